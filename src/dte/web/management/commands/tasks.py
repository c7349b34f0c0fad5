import os
import signal
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task consumer (huey, one worker)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--exit-with-stdin",
            action="store_true",
            help="stop when standard input closes (dte serve holds it: the consumer ends with the server)",
        )

    def handle(self, *args, exit_with_stdin, **options):
        if exit_with_stdin:
            threading.Thread(target=_stop_at_end_of_stdin, name="exit-with-stdin", daemon=True).start()
        call_command("run_huey", workers=1)


def _stop_at_end_of_stdin() -> None:
    """Wait for the end of standard input (its writer has ended), then stop as SIGTERM stops. Read
    from the descriptor, not sys.stdin: a thread still blocked in a buffered read holds its lock,
    which the interpreter needs at exit."""
    while os.read(sys.stdin.fileno(), 65536):
        pass
    os.kill(os.getpid(), signal.SIGTERM)
