import os
import subprocess
import sys

from django.core.management.base import BaseCommand
from django.db import connections

from dte.web.server import MASTER_ENV, granian_server


class Command(BaseCommand):
    help = "Serve the platform: granian (worker processes, static files by whitenoise) and the task consumer."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("DTE_BIND", "127.0.0.1:8000"))
        # One worker a CPU: measured best with bench/claims_submit.py (2 CPUs: 2 workers 469-489 claims/s,
        # 3 workers 441-457).
        default_workers = int(os.environ.get("DTE_WORKERS") or os.cpu_count() or 2)
        parser.add_argument("--workers", type=int, default=default_workers)
        parser.add_argument(
            "--no-tasks", action="store_true", help="do not start the background task consumer"
        )
        parser.add_argument("--no-request-log", action="store_true", help="do not log each request")

    def handle(self, *args, bind, workers, no_tasks, no_request_log, **options):
        server = granian_server(bind=bind, workers=workers, request_log=not no_request_log)
        self.stdout.write(
            f"DTE Platform: http://{bind}/ (granian, {workers} worker processes"
            + ("" if no_tasks else "; task consumer huey")
            + ")"
        )
        sys.stdout.flush()
        tasks = None if no_tasks else _start_tasks()
        # This process is granian's master: the workers it forks must carry no database connection,
        # and end when it ends (dte.web.server.exit_with_master, called by dte.wsgi).
        connections.close_all()
        os.environ[MASTER_ENV] = str(os.getpid())
        try:
            server.serve()  # until SIGTERM or SIGINT; the workers finish their requests first
        finally:
            if tasks is not None:
                _stop_tasks(tasks)
        if tasks is not None and tasks.returncode not in (0, -15):
            sys.exit(1)


def _start_tasks() -> subprocess.Popen:
    """The task consumer (dte tasks), holding a pipe from this process as its life line: when this
    process ends, however it ends, the pipe closes and the consumer stops."""
    dte = os.path.join(os.path.dirname(sys.executable), "dte")
    return subprocess.Popen([dte, "tasks", "--exit-with-stdin"], stdin=subprocess.PIPE)


def _stop_tasks(tasks: subprocess.Popen, grace: float = 20.0) -> None:
    if tasks.poll() is None:
        tasks.terminate()
        try:
            tasks.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            tasks.kill()
            tasks.wait()
