"""`recouvra clock`: enqueue the daily dunning runs and the delivery passes as they fall due."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from recouvra.dunning.clock import tick

INTERVAL = 60  # seconds


class Command(BaseCommand):
    help = "Enqueue the daily dunning runs and the delivery passes when they fall due."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, once: bool = False, **options) -> None:  # noqa: ANN002, ANN003
        while True:
            for what in tick():
                self.stdout.write(f"clock: enqueued {what}")
            if once:
                return
            time.sleep(INTERVAL)
