import ctypes
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from dte.web.server import uwsgi_command


def _die_with_parent() -> None:
    """Run in each child before it starts: on Linux, the child gets SIGTERM when this process ends,
    however it ends (killed included), so no server or consumer is left running without it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
        children = [subprocess.Popen(web, preexec_fn=_die_with_parent)]  # one thread: preexec_fn is safe
        if not no_tasks:
            children.append(subprocess.Popen(tasks, preexec_fn=_die_with_parent))

        stopping = False

        def on_signal(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        # When either process ends, stop the other: the platform runs whole or not at all.
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        codes = _stop(children)
        sys.exit(max(abs(c) for c in codes))


def _stop(children: list[subprocess.Popen], grace: float = 20.0) -> list[int]:
    """SIGTERM to each child still running, again every two seconds (a server still loading the
    platform may miss the first), SIGKILL after ``grace`` seconds; their exit codes."""
    deadline = time.monotonic() + grace
    next_term = 0.0
    while any(child.poll() is None for child in children):
        now = time.monotonic()
        if now >= deadline:
            for child in children:
                if child.poll() is None:
                    child.kill()
            break
        if now >= next_term:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            next_term = now + 2.0
        time.sleep(0.1)
    return [child.wait() for child in children]
