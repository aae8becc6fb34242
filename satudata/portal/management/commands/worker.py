from django.core.management import call_command

from satudata.commands import SatudataCommand


class Command(SatudataCommand):
    help = (
        "Run the background worker that validates and compiles submissions, for installations that "
        "serve the web interface with 'satudata serve --no-worker' (for example with SATUDATA_REDIS_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2, help="Worker threads (default 2).")

    def handle(self, *args, **options):
        from satudata.submissions.procedure import resume_interrupted

        resume_interrupted()
        call_command("run_huey", workers=options["workers"], worker_type="thread")
