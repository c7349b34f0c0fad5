from django.core.management.base import BaseCommand, CommandError

from dte.core.clock import now
from dte.ops import keys


class Command(BaseCommand):
    help = (
        "Data keys (README 密钥轮换): `rotate` adds a new data key version and re-encrypts every stored "
        "value with it, in batches (resumable); `status` shows how many values are at each version."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        p = sub.add_parser("rotate", help="add a key version, then re-encrypt every value not at it")
        p.add_argument(
            "--resume",
            action="store_true",
            help="add no key: continue with the current version (after an interruption, or a key given "
            "by DTE_DATA_KEY_V<N>)",
        )
        p.add_argument("--batch", type=int, default=keys.DEFAULT_BATCH, help="rows per transaction")
        sub.add_parser("status", help="the current version and the values at each version")

    def handle(self, *args, cmd: str, **opts):
        if cmd == "status":
            self._status()
            return
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if not opts["resume"]:
            version = keys.add_version()
            self.stdout.write(f"data key v{version} added: new values are encrypted with it")
        try:
            result = keys.rotate(at=now(), batch=opts["batch"], progress=self._progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for label, n in result.reencrypted.items():
            self.stdout.write(f"{label}: {n} re-encrypted, {result.left[label]} left")
        left = sum(result.left.values())
        self.stdout.write(
            f"rotation to v{result.version} complete: 0 left"
            if result.done
            else f"rotation to v{result.version} not complete: {left} left; run `dte keys rotate --resume`"
        )

    def _progress(self, label: str, done: int, total: int) -> None:
        self.stdout.write(f"{label}: {done}/{total}")

    def _status(self) -> None:
        version, columns = keys.status()
        self.stdout.write(f"current data key version: v{version}")
        for label, counts in columns.items():
            shown = ", ".join(f"{v}: {n}" for v, n in counts.items())
            self.stdout.write(f"{label}: {shown}")
