"""``dte demo_oversight``: two years of demo history for the dashboards, the year-end reports and
supervision (after ``dte demo``). Kept apart from ``dte demo`` so the demo's claim walk-through starts
from an empty queue."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dte.core import clock
from dte.demo import oversight as demo


class Command(BaseCommand):
    help = "create demo history for the dashboards, year-end reports and supervision (once)"

    def handle(self, *args, **options):
        created = demo.create(at=clock.now())
        self.stdout.write(
            "已生成统计演示数据" if created else "统计演示数据已存在(或尚未运行 dte demo),未重复生成"
        )
