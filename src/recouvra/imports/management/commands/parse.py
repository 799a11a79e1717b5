"""`parse`: read a bank statement, ledger, FEC or invoice file and show what it holds.

recouvra parse FILE [--format auto|cfonb120|camt|mt940|ofx|fec|csv|xlsx|facturx|cii] [--json]

--json prints the parser's records as JSON (result.as_json()); without it, a short
summary. A file that cannot be read prints the reason on stderr and exits with status 2
(CommandError(returncode=2); call_command raises it). Nothing is written to the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recouvra.imports import messages
from recouvra.imports.parsers import detect
from recouvra.imports.records import BankStatement, Ledger, ParseError
from recouvra.law.money import format_amount

ERROR_STATUS = 2
SHOWN_ERRORS = 10


class Command(BaseCommand):
    help = (
        "Lit un fichier (relevé CFONB 120, MT940, OFX, camt ; grand livre CSV/XLSX, FEC ; "
        "facture Factur-X/CII) et affiche ce qu'il contient, sans rien importer."
    )
    requires_system_checks: list[str] = []  # reads a file: no need to check the project

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="le fichier à lire")
        parser.add_argument(
            "--format",
            default="auto",
            choices=detect.FORMATS,
            help="format du fichier (par défaut : détecté d'après le contenu)",
        )
        parser.add_argument(
            "--json", action="store_true", help="afficher les enregistrements lus en JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reconfigure = getattr(self.stdout, "reconfigure", None)  # a real terminal or pipe
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
        path = Path(options["file"])
        try:
            detect.check_size(path.stat().st_size, path.name)  # before reading it all
            data = path.read_bytes()
            result = detect.parse_file(data, filename=path.name, format=options["format"])
        except OSError as exc:
            raise CommandError(
                f"{path}: fichier illisible ({exc.strerror or exc})", returncode=ERROR_STATUS
            ) from exc
        except ParseError as exc:
            raise CommandError(messages.describe(exc), returncode=ERROR_STATUS) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(summary(result)))


def summary(result: BankStatement | Ledger) -> list[str]:
    """A few lines in French: format, accounts or claims, balances, errors."""
    lines = [f"Format : {result.format}"]
    if isinstance(result, BankStatement):
        lines.append(f"Comptes : {len(result.accounts)}")
        for account in result.accounts:
            name = account.iban or account.account or "?"
            gap = account.balance_gap_cents
            if gap is None:
                balance = "équilibre non vérifiable (solde d'ouverture ou de clôture absent)"
            elif gap == 0:
                balance = "équilibré"
            else:
                balance = f"non équilibré (écart {format_amount(gap, account.currency or 'EUR')})"
            lines.append(
                f"  {name} {account.currency} : {len(account.lines)} opération(s), {balance}"
            )
    else:
        total = sum(claim.amount_cents for claim in result.claims)
        currencies = sorted({claim.currency for claim in result.claims}) or ["EUR"]
        shown = format_amount(total, currencies[0]) if len(currencies) == 1 else f"{total} cts"
        lines.append(f"Créances : {len(result.claims)} (total {shown})")
        debtors = {claim.debtor_account or claim.debtor_name for claim in result.claims}
        lines.append(f"Débiteurs : {len(debtors - {''})}")
    lines.append(f"Erreurs : {len(result.errors)}")
    for error in result.errors[:SHOWN_ERRORS]:
        where = f"ligne {error.line}" + (
            f", {messages.field_label(error.field)}" if error.field else ""
        )
        lines.append(f"  {where} : {messages.reason(error)}")
    if len(result.errors) > SHOWN_ERRORS:
        lines.append(f"  … et {len(result.errors) - SHOWN_ERRORS} autre(s)")
    for warning in result.warnings:
        lines.append(f"Avertissement : {warning}")
    return lines
