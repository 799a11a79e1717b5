"""`law`: the law engine from the command line (`recouvra law interest ...`), as JSON.

Each subcommand prints one JSON object on stdout. An error prints
{"error": ..., "message_fr": ...} on stdout and exits with status 2
(CommandError(returncode=2); call_command raises it).
"""

from __future__ import annotations

from argparse import _SubParsersAction
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recouvra.law.interest import ACTUAL_365, DAY_COUNTS
from recouvra.law.prescription import KINDS
from recouvra.law.statement import EVENT_KINDS
from recouvra.law.tables import RateUnavailable
from recouvra.lawdesk import law_json

ERROR_STATUS = 2
Subparsers = _SubParsersAction


class Command(BaseCommand):
    help = (
        "Calculs du moteur juridique (intérêts, indemnité, délais, prescription, saisies, "
        "procédure, imputation), affichés en JSON."
    )
    requires_system_checks: list[str] = []  # a calculation: no need to check the project

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="calcul")
        for add in (
            _interest,
            _legal_interest,
            _fees,
            _deadline,
            _limitation,
            _seizable_wage,
            _bank_floor,
            _procedure,
            _allocate,
            _statement,
        ):
            add(commands)

    def handle(self, *args: Any, **options: Any) -> None:
        reconfigure = getattr(self.stdout, "reconfigure", None)  # a real terminal or pipe
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
        report = law_json.REPORTS[options["subcommand"]]
        try:
            data = report(**options)
        except (law_json.LawCommandError, RateUnavailable, ValueError) as exc:
            error = law_json.error_json(exc)
            self.stdout.write(law_json.dumps(error))
            raise CommandError(error["message_fr"], returncode=ERROR_STATUS) from exc
        self.stdout.write(law_json.dumps(data))


# Dates are read as text by law_json (AAAA-MM-JJ or JJ/MM/AAAA), so that a bad date or
# amount is reported as JSON like any other error.


def _day_count(parser: CommandParser) -> None:
    parser.add_argument(
        "--day-count", choices=DAY_COUNTS, default=ACTUAL_365, help="défaut : %(default)s"
    )


def _interest(commands: Subparsers) -> None:
    p = commands.add_parser("interest", help="Pénalités de retard entre professionnels.")
    p.add_argument("--principal", required=True, help="montant TTC, ex. 1234,56")
    p.add_argument("--due", required=True, help="date d'échéance")
    p.add_argument("--until", required=True, help="dernier jour d'intérêts (inclus)")
    p.add_argument("--contractual-rate", help="taux contractuel en %% (sinon BCE + 10 points)")
    _day_count(p)


def _legal_interest(commands: Subparsers) -> None:
    p = commands.add_parser("legal-interest", help="Intérêt légal (C. civ. 1231-6).")
    p.add_argument("--principal", required=True)
    p.add_argument("--from", dest="start", required=True, help="date de la mise en demeure")
    p.add_argument("--until", required=True, help="dernier jour d'intérêts (inclus)")
    p.add_argument("--creditor-consumer", action="store_true", help="créancier particulier")
    p.add_argument("--judgment-enforceable", help="jugement exécutoire le (CMF L313-3)")
    _day_count(p)


def _fees(commands: Subparsers) -> None:
    p = commands.add_parser("fees", help="Indemnité forfaitaire de 40 € par facture.")
    p.add_argument("--invoices", type=int, required=True, help="factures payées en retard")
    p.add_argument("--consumer", action="store_true", help="débiteur consommateur")
    p.add_argument("--insolvency", action="store_true", help="procédure collective ouverte")


def _deadline(commands: Subparsers) -> None:
    p = commands.add_parser("deadline", help="Fin d'un délai de procédure (CPC 640-642).")
    p.add_argument("--from", dest="start", required=True, help="point de départ")
    p.add_argument("--days", type=int, default=0)
    p.add_argument("--months", type=int, default=0)
    p.add_argument("--years", type=int, default=0)
    p.add_argument("--alsace-moselle", action="store_true")


def _limitation(commands: Subparsers) -> None:
    p = commands.add_parser("limitation", help="Fin de la prescription.")
    p.add_argument("--from", dest="start", required=True, help="point de départ")
    p.add_argument("--kind", choices=list(KINDS), required=True)
    p.add_argument(
        "--interruption",
        action="append",
        metavar="TYPE:DATE",
        help="ex. acknowledgement:2023-01-10 (répétable)",
    )
    p.add_argument("--alsace-moselle", action="store_true", help="jours fériés d'Alsace-Moselle")


def _seizable_wage(commands: Subparsers) -> None:
    p = commands.add_parser("seizable-wage", help="Quotité saisissable d'un salaire mensuel.")
    p.add_argument("--net", required=True, help="salaire net mensuel")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--dependants", type=int, default=0, help="personnes à charge")
    p.add_argument("--on", help="jour de la retenue (RSA en vigueur ce jour-là)")


def _bank_floor(commands: Subparsers) -> None:
    p = commands.add_parser("bank-floor", help="Solde bancaire insaisissable.")
    p.add_argument("--on", required=True)


def _procedure(commands: Subparsers) -> None:
    p = commands.add_parser("procedure", help="Procédures judiciaires possibles.")
    p.add_argument("--amount", required=True, help="principal et intérêts")
    p.add_argument("--interest", dest="interest_part", help="dont intérêts (plafond européen)")
    p.add_argument("--consumer-debtor", action="store_true")
    p.add_argument("--disputed", action="store_true", help="contestation sérieuse")
    p.add_argument("--consumer-creditor", action="store_true")
    p.add_argument("--abroad", action="store_true", help="débiteur dans un autre État de l'UE")


def _allocate(commands: Subparsers) -> None:
    p = commands.add_parser("allocate", help="Imputation d'un paiement (C. civ. 1342-10).")
    p.add_argument("--amount", required=True, help="montant payé")
    p.add_argument(
        "--debt",
        action="append",
        required=True,
        metavar="REF:PRINCIPAL[:INTERETS[:FRAIS[:ECHEANCE[:TAUX]]]]",
        help="répétable",
    )
    p.add_argument("--designated", metavar="REF", help="dette désignée par le débiteur")
    p.add_argument("--paid-on", help="date du paiement (sinon toutes les dettes sont échues)")


def _statement(commands: Subparsers) -> None:
    p = commands.add_parser(
        "statement", help="Décompte de plusieurs créances (intérêts, indemnités, paiements)."
    )
    p.add_argument("--as-of", required=True, help="date du décompte")
    p.add_argument(
        "--claim",
        action="append",
        required=True,
        metavar="REF:PRINCIPAL:ECHEANCE[:b2b|consumer[:TAUX[:DATE_FACTURE]]]",
        help="répétable ; b2b (défaut) : débiteur professionnel",
    )
    p.add_argument(
        "--payment",
        action="append",
        metavar="REF:DATE:MONTANT[:CREANCE]",
        help="répétable ; CREANCE : la créance désignée par le débiteur",
    )
    p.add_argument(
        "--event",
        action="append",
        metavar="TYPE:DATE[:CREANCE]",
        help=f"répétable ; TYPE : {', '.join(EVENT_KINDS)} (sans CREANCE : toutes)",
    )
    _day_count(p)
