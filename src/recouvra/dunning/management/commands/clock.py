"""`recouvra clock`: enqueue the daily dunning runs and the delivery passes as they fall due."""

from __future__ import annotations

import signal
import sys
import time

from django.core.management.base import BaseCommand

from recouvra.dunning.clock import tick

INTERVAL = 60  # seconds


class Command(BaseCommand):
    help = "Enqueue the daily dunning runs and the delivery passes when they fall due."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, once: bool = False, **options) -> None:  # noqa: ANN002, ANN003
        # stop on SIGINT/SIGTERM even when started with them ignored (a background job);
        # a tick cut short rolls back, and the next start does it again
        for signum in (signal.SIGINT, signal.SIGTERM) if not once else ():
            signal.signal(signum, lambda signum, frame: sys.exit(0))
        while True:
            for what in tick():
                self.stdout.write(f"clock: enqueued {what}")
            if once:
                return
            time.sleep(INTERVAL)
