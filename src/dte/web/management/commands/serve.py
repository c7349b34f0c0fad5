import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (sync workers), static files by whitenoise."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("DTE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("DTE_WORKERS", "3")))

    def handle(self, *args, bind, workers, **options):
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        argv = [
            gunicorn,
            "dte.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        self.stdout.write(f"DTE Platform: http://{bind}/ (gunicorn, {workers} sync workers)")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606 — replace this process with the server
