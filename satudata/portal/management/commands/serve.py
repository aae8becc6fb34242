import logging

from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand

logger = logging.getLogger(__name__)


class Command(SatudataCommand):
    help = "Serve the web interface with waitress (a production WSGI server) on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--threads", type=int, default=8, help="Worker threads (default 8).")

    def handle(self, *args, **options):
        from waitress import serve

        logging.getLogger().setLevel(logging.INFO)

        from satudata.wsgi import application

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(_("Satu Data UMKM is running at {url} (press Ctrl+C to stop)").format(url=url))
        logger.info("Serving on %s", url)
        serve(application, host=options["host"], port=options["port"], threads=options["threads"],
              ident="satudata")
