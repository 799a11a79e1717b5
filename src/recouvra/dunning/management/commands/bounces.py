"""`recouvra bounces PATH…`: record the delivery status notifications (DSN) in files or in
a Maildir (the mailbox of the envelope sender, where mail servers return what they could
not deliver).

A Maildir's new messages are read; each one, a report or not (an auto-reply), then moves
to cur/ so that the next pass does not read it again. What is not a report is printed
with the reason; a file the system cannot read stays where it is.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recouvra.dunning.reports import ReportError, read_dsn, record_report


class Command(BaseCommand):
    help = "Record the delivery status notifications (bounces) found in files or Maildirs."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("paths", nargs="+", help=".eml files or Maildir folders")

    def handle(self, *args, paths: list[str], **options) -> None:  # noqa: ANN002, ANN003
        recorded = unreadable = 0
        for name in paths:
            for path, done in _messages(Path(name)):
                try:
                    report = read_dsn(path.read_bytes())
                except OSError as exc:  # stays where it is, for the next pass
                    self.stderr.write(f"{path}: illisible ({exc.strerror})")
                    unreadable += 1
                    continue
                except ReportError as exc:
                    self.stderr.write(f"{path}: {exc}")
                    unreadable += 1
                else:
                    moved = record_report(report)
                    recorded += moved
                    verdict = report.event if moved else "déjà enregistré ou message inconnu"
                    self.stdout.write(f"{path}: {report.message_id} — {verdict}")
                if done is not None:
                    path.rename(done / f"{path.name}:2,S")
        self.stdout.write(f"bounces: {recorded} enregistré(s), {unreadable} non lu(s)")


def _messages(path: Path) -> list[tuple[Path, Path | None]]:
    """The files to read, each with the folder it moves to once read (Maildir's cur/)."""
    if path.is_file():
        return [(path, None)]
    if (path / "new").is_dir() and (path / "cur").is_dir():
        return [(found, path / "cur") for found in sorted((path / "new").iterdir())]
    raise CommandError(f"{path}: ni un fichier, ni un dossier Maildir (new/, cur/)")
