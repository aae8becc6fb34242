import logging
import signal

from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand

logger = logging.getLogger(__name__)


def _stop(signum, frame):
    raise SystemExit(0)


class Command(SatudataCommand):
    help = (
        "Serve the web interface with waitress (a production WSGI server) on 127.0.0.1:8000, with the "
        "background worker running inside the same process unless --no-worker is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--threads", type=int, default=8, help="Web server threads (default 8).")
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not run background jobs here; run 'satudata worker' separately.")

    def handle(self, *args, **options):
        from huey.contrib.djhuey import HUEY
        from waitress import serve

        from satudata.wsgi import application

        logging.getLogger().setLevel(logging.INFO)
        consumer = None
        if not options["no_worker"] and not HUEY.immediate:
            from django.conf import settings

            from satudata.submissions.procedure import resume_interrupted

            # Before the consumer takes its first job, so the queue it reads is the one the
            # stopped worker left.
            resume_interrupted()
            # The embedded worker: the same job queue, consumed by threads of this process.
            consumer = HUEY.create_consumer(**settings.HUEY.get("consumer", {}))
            consumer.start()
            # The consumer installs its own signal handlers; SIGTERM and SIGINT must still stop the
            # web server too, so they end the main thread and the worker stops in ``finally``.
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
            logger.info("Started the embedded background worker")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(_("Satu Data UMKM is running at {url} (press Ctrl+C to stop)").format(url=url))
        logger.info("Serving on %s", url)
        try:
            serve(application, host=options["host"], port=options["port"], threads=options["threads"],
                  ident="satudata")
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
