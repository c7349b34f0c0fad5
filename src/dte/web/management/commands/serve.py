import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

from dte.web.server import uwsgi_command


class Command(BaseCommand):
    help = "Serve the platform: uWSGI (worker processes, static files by whitenoise) and the task consumer."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("DTE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("DTE_WORKERS", "3")))
        parser.add_argument(
            "--no-tasks", action="store_true", help="do not start the background task consumer"
        )

    def handle(self, *args, bind, workers, no_tasks, **options):
        bindir = os.path.dirname(sys.executable)
        web = uwsgi_command(bind=bind, workers=workers)
        tasks = [os.path.join(bindir, "dte"), "run_huey", "--workers", "1"]
        self.stdout.write(
            f"DTE Platform: http://{bind}/ (uWSGI, {workers} worker processes"
            + ("" if no_tasks else "; task consumer huey")
            + ")"
        )
        sys.stdout.flush()
        children = [subprocess.Popen(web)]
        if not no_tasks:
            children.append(subprocess.Popen(tasks))

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # When either process ends, stop the other: the platform runs whole or not at all.
        try:
            os.wait()
        except ChildProcessError:
            pass
        stop(None, None)
        codes = [child.wait() for child in children]
        sys.exit(max(abs(c) for c in codes))
