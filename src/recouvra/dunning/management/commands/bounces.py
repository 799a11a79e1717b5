"""`recouvra bounces PATH…`: record the delivery status notifications (DSN) in files or in
a Maildir: the mailbox of the envelope sender, where mail servers return what they could
not deliver. The clock does the same for BOUNCE_MAILDIR when it is set."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recouvra.dunning.delivery_reports import ReportError, read_notices


class Command(BaseCommand):
    help = "Record the delivery status notifications (bounces) found in files or Maildirs."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("paths", nargs="+", help=".eml files or Maildir folders")

    def handle(self, *args, paths: list[str], **options) -> None:  # noqa: ANN002, ANN003
        recorded = unread = 0
        for name in paths:
            try:
                counts = read_notices(Path(name), say=self.stdout.write)
            except ReportError as exc:
                raise CommandError(str(exc)) from None
            recorded, unread = recorded + counts[0], unread + counts[1]
        self.stdout.write(f"bounces: {recorded} enregistré(s), {unread} non lu(s)")
