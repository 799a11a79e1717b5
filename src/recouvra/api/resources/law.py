"""The law calculator: stateless endpoints, one per `recouvra law` sub-command.

`POST /api/v1/law/<command>` with a JSON body of typed values (amounts in integer cents,
dates ISO 8601, rates in percent as decimal strings or numbers) answers exactly what
`recouvra law <command> …` prints: both call the same function of lawdesk.law_json. A POST
because some inputs are lists of objects (the debts to allocate, the claims of a
statement); it computes without writing anything, so the `read` scope is enough.

Bad input is a 400 problem naming the field; a refusal of the law engine (a contractual
rate below the legal floor, a rate missing from the tables, a date the calendar cannot
reach) is a 422 problem whose `detail` is the engine's French message, with the members
the command prints on error (`error`, `message_fr`, …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recouvra.core.validators import validate_date_in_range
from recouvra.law import prescription
from recouvra.law.allocation import Debt
from recouvra.law.interest import ACTUAL_365, DAY_COUNTS
from recouvra.law.statement import (
    EVENT_KINDS,
    StatementClaim,
    StatementEvent,
    StatementPayment,
)
from recouvra.law.tables import RateUnavailable
from recouvra.lawdesk import law_json

from ..models import Scope
from ..problems import PROBLEM_JSON, problem
from ..serializers import CentsField, StrictSerializer
from ..views import ApiMixin
from .law_schemas import ANSWERS
from .shared import StrictBooleanField, StrictCharField, problems

MAX_DEBTS = 1000  # debts one payment is allocated to
# claims, payments, events of a statement: each payment is allocated across the claims, a
# statement of 200 claims and 200 payments takes about a second
MAX_STATEMENT_ITEMS = 200
# what the command reports as an error instead of a result (lawdesk law.py), and a date
# the calendar cannot reach (OverflowError)
ENGINE_REFUSALS = (law_json.LawCommandError, RateUnavailable, ValueError, ArithmeticError)


def _date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(validators=[validate_date_in_range], **kwargs)


PERCENT = r"^(100(\.0{1,6})?|\d{1,2}(\.\d{1,6})?)$"  # 0 to 100, six decimals at most


@extend_schema_field(
    {"type": "string", "pattern": PERCENT, "description": "Taux en % l'an : « 12.5 »."}
)
class PercentField(serializers.DecimalField):
    """A rate in percent a year, as a decimal string (as rates are answered), kept as
    written ("12.5" stays 12.5, as the command reads it), at most six decimals."""

    default_error_messages = {
        "not_text": _("Un taux s'écrit en texte décimal de 0 à 100, par exemple « 12.5 »."),
    }

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        return serializers.Field.validate_empty_values(self, data)  # "" is no null rate

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not re.match(PERCENT, data):
            self.fail("not_text")
        return super().to_internal_value(data)

    def quantize(self, value: Decimal) -> Decimal:
        return value


def _rate(**kwargs: Any) -> PercentField:
    return PercentField(max_digits=9, decimal_places=6, **kwargs)


def _ref(**kwargs: Any) -> StrictCharField:
    return StrictCharField(max_length=100, **kwargs)


def _flag(help_text: str) -> StrictBooleanField:
    return StrictBooleanField(default=False, help_text=help_text)


def _day_count() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=DAY_COUNTS, default=ACTUAL_365)


# ---------------------------------------------------------------- inputs


class InterestInput(StrictSerializer):
    principal_cents = CentsField(help_text=_("Montant TTC, en centimes."))
    due = _date(help_text=_("Date d'échéance : les intérêts courent dès le lendemain."))
    until = _date(help_text=_("Dernier jour d'intérêts (inclus)."))
    contractual_rate = _rate(
        required=False, allow_null=True, help_text=_("Taux contractuel en %, sinon BCE + 10.")
    )
    day_count = _day_count()


class LegalInterestInput(StrictSerializer):
    principal_cents = CentsField()
    start = _date(help_text=_("Date de la mise en demeure (`--from` de la commande)."))
    until = _date(help_text=_("Dernier jour d'intérêts (inclus)."))
    creditor_consumer = _flag(_("Créancier particulier."))
    judgment_enforceable = _date(
        required=False, allow_null=True, help_text=_("Jugement exécutoire le (CMF L313-3).")
    )
    day_count = _day_count()


class FeesInput(StrictSerializer):
    invoices = serializers.IntegerField(min_value=0, max_value=10_000)
    consumer = _flag(_("Débiteur consommateur."))
    insolvency = _flag(_("Procédure collective ouverte."))


class DeadlineInput(StrictSerializer):
    start = _date(help_text=_("Point de départ (`--from` de la commande)."))
    days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    months = serializers.IntegerField(min_value=0, max_value=120, default=0)
    years = serializers.IntegerField(min_value=0, max_value=30, default=0)
    alsace_moselle = _flag(_("Jours fériés d'Alsace-Moselle."))


class InterruptionInput(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=sorted([*prescription.INTERRUPTING, *prescription.NO_EFFECT])
    )
    on = _date()


class LimitationInput(StrictSerializer):
    start = _date(help_text=_("Point de départ (`--from` de la commande)."))
    kind = serializers.ChoiceField(choices=list(prescription.KINDS))
    interruptions = InterruptionInput(many=True, required=False, max_length=100)
    alsace_moselle = _flag(_("Jours fériés d'Alsace-Moselle."))


class SeizableWageInput(StrictSerializer):
    net_cents = CentsField(help_text=_("Salaire net mensuel, en centimes."))
    year = serializers.IntegerField(min_value=1900, max_value=2199)
    dependants = serializers.IntegerField(min_value=0, max_value=20, default=0)
    on = _date(required=False, allow_null=True, help_text=_("Jour de la retenue."))


class BankFloorInput(StrictSerializer):
    on = _date()


class ProcedureInput(StrictSerializer):
    amount_cents = CentsField(help_text=_("Principal et intérêts, en centimes."))
    interest_cents = CentsField(default=0, help_text=_("Dont intérêts (plafond européen)."))
    consumer_debtor = _flag(_("Débiteur consommateur."))
    disputed = _flag(_("Contestation sérieuse."))
    consumer_creditor = _flag(_("Créancier particulier."))
    abroad = _flag(_("Débiteur dans un autre État de l'UE."))


class DebtInput(StrictSerializer):
    ref = _ref()
    principal_cents = CentsField()
    interest_cents = CentsField(default=0)
    fees_cents = CentsField(default=0)
    due_date = _date(required=False, allow_null=True)
    rate = _rate(required=False, allow_null=True)


class AllocateInput(StrictSerializer):
    amount_cents = CentsField()
    debts = DebtInput(many=True, min_length=1, max_length=MAX_DEBTS)
    designated = _ref(required=False, allow_null=True, help_text=_("Dette désignée (ref)."))
    paid_on = _date(required=False, allow_null=True)


class StatementClaimInput(StrictSerializer):
    ref = _ref()
    principal_cents = CentsField()
    due_date = _date()
    debtor_is_professional = StrictBooleanField(default=True)
    contractual_rate = _rate(required=False, allow_null=True)
    issue_date = _date(required=False, allow_null=True)


class StatementPaymentInput(StrictSerializer):
    ref = _ref()
    received_on = _date()
    amount_cents = CentsField()
    designated_ref = _ref(required=False, allow_null=True)


class StatementEventInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=list(EVENT_KINDS))
    on = _date()
    claim_ref = _ref(required=False, allow_null=True)


class StatementInput(StrictSerializer):
    as_of = _date()
    claims = StatementClaimInput(many=True, min_length=1, max_length=MAX_STATEMENT_ITEMS)
    payments = StatementPaymentInput(many=True, required=False, max_length=MAX_STATEMENT_ITEMS)
    events = StatementEventInput(many=True, required=False, max_length=MAX_STATEMENT_ITEMS)
    day_count = _day_count()


# ---------------------------------------------------------------- typed input → answer


def _interest(data: dict) -> law_json.Json:
    return law_json.interest_answer(
        data["principal_cents"],
        data["due"],
        data["until"],
        contractual_rate=data.get("contractual_rate"),
        day_count=data["day_count"],
    )


def _legal_interest(data: dict) -> law_json.Json:
    return law_json.legal_interest_answer(
        data["principal_cents"],
        data["start"],
        data["until"],
        creditor_consumer=data["creditor_consumer"],
        judgment_enforceable=data.get("judgment_enforceable"),
        day_count=data["day_count"],
    )


def _fees(data: dict) -> law_json.Json:
    return law_json.fees_answer(
        data["invoices"], consumer=data["consumer"], insolvency=data["insolvency"]
    )


def _deadline(data: dict) -> law_json.Json:
    return law_json.deadline_answer(
        data["start"],
        days=data["days"],
        months=data["months"],
        years=data["years"],
        alsace_moselle=data["alsace_moselle"],
    )


def _limitation(data: dict) -> law_json.Json:
    events = [prescription.Interruption(i["on"], i["kind"]) for i in data.get("interruptions", [])]
    return law_json.limitation_answer(
        data["start"],
        kind=data["kind"],
        interruptions=events,
        alsace_moselle=data["alsace_moselle"],
    )


def _seizable_wage(data: dict) -> law_json.Json:
    return law_json.seizable_wage_answer(
        data["net_cents"], year=data["year"], dependants=data["dependants"], on=data.get("on")
    )


def _bank_floor(data: dict) -> law_json.Json:
    return law_json.bank_floor_answer(data["on"])


def _procedure(data: dict) -> law_json.Json:
    return law_json.procedure_answer(
        data["amount_cents"],
        interest_cents=data["interest_cents"],
        consumer_debtor=data["consumer_debtor"],
        disputed=data["disputed"],
        consumer_creditor=data["consumer_creditor"],
        abroad=data["abroad"],
    )


def _allocate(data: dict) -> law_json.Json:
    debts = [
        Debt(
            ref=d["ref"],
            principal_cents=d["principal_cents"],
            interest_cents=d["interest_cents"],
            fees_cents=d["fees_cents"],
            due_date=d.get("due_date"),
            rate=d.get("rate") or 0,
        )
        for d in data["debts"]
    ]
    return law_json.allocate_answer(
        data["amount_cents"],
        debts,
        designated=data.get("designated"),
        paid_on=data.get("paid_on"),
    )


def _statement(data: dict) -> law_json.Json:
    claims = [
        StatementClaim(
            ref=c["ref"],
            principal_cents=c["principal_cents"],
            due_date=c["due_date"],
            debtor_is_professional=c["debtor_is_professional"],
            issue_date=c.get("issue_date"),
            contractual_rate=c.get("contractual_rate"),
        )
        for c in data["claims"]
    ]
    payments = [
        StatementPayment(
            ref=p["ref"],
            received_on=p["received_on"],
            amount_cents=p["amount_cents"],
            designated_ref=p.get("designated_ref") or None,
        )
        for p in data.get("payments", [])
    ]
    events = [
        StatementEvent(e["kind"], e["on"], e.get("claim_ref") or None)
        for e in data.get("events", [])
    ]
    return law_json.statement_answer(
        claims, payments, events, as_of=data["as_of"], day_count=data["day_count"]
    )


# ---------------------------------------------------------------- the views


class LawView(ApiMixin, APIView):
    """One calculation: validate the body, compute, answer the command's JSON."""

    write_scope = Scope.READ  # a calculation writes nothing
    command: ClassVar[str]
    input_class: ClassVar[type[StrictSerializer]]
    compute: ClassVar[Callable[[dict], law_json.Json]]

    def post(self, request: Request) -> Response:
        given = self.input_class(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            answer = type(self).compute(given.validated_data)
        except ENGINE_REFUSALS as refused:
            return refusal(refused)
        # through the command's own encoder: Decimals and dates written as it writes them
        return Response(json.loads(law_json.dumps(answer)))


def refusal(refused: Exception) -> Response:
    """The engine's refusal: a 422 problem with what the command prints on error."""
    said = json.loads(law_json.dumps(law_json.error_json(refused)))  # Decimals as strings
    body = {**said, **problem(422, said["message_fr"])}
    return Response(body, status=422, content_type=PROBLEM_JSON)


COMMANDS: list[tuple[str, type[StrictSerializer], Callable[[dict], law_json.Json], str]] = [
    ("interest", InterestInput, _interest, _("Pénalités de retard entre professionnels.")),
    ("legal-interest", LegalInterestInput, _legal_interest, _("Intérêt légal (C. civ. 1231-6).")),
    ("fees", FeesInput, _fees, _("Indemnité forfaitaire de 40 € par facture.")),
    ("deadline", DeadlineInput, _deadline, _("Fin d'un délai de procédure (CPC 640-642).")),
    ("limitation", LimitationInput, _limitation, _("Fin de la prescription.")),
    ("seizable-wage", SeizableWageInput, _seizable_wage, _("Quotité saisissable d'un salaire.")),
    ("bank-floor", BankFloorInput, _bank_floor, _("Solde bancaire insaisissable.")),
    ("procedure", ProcedureInput, _procedure, _("Procédures judiciaires possibles.")),
    ("allocate", AllocateInput, _allocate, _("Imputation d'un paiement (C. civ. 1342-10).")),
    ("statement", StatementInput, _statement, _("Décompte d'un ensemble de créances.")),
]


def _view(
    command: str,
    input_class: type[StrictSerializer],
    compute: Callable[[dict], law_json.Json],
    summary: str,
) -> type[LawView]:
    name = "".join(part.title() for part in command.split("-")) + "LawView"
    decorated = extend_schema(
        operation_id=f"law_{command.replace('-', '_')}",
        summary=summary,
        description=_("La réponse est celle de « recouvra law %(cmd)s »") % {"cmd": command},
        tags=["law"],
        request=input_class,
        responses={200: ANSWERS[command], **problems(400, 401, 403, 413, 415, 422, 429)},
        examples=[OpenApiExample("exemple", value=EXAMPLES[command], request_only=True)],
    )

    def post(self: LawView, request: Request) -> Response:  # a function of its own to annotate
        return LawView.post(self, request)

    return type(
        name,
        (LawView,),
        {
            "command": command,
            "input_class": input_class,
            "compute": staticmethod(compute),
            "post": decorated(post),
            "__doc__": str(summary),
        },
    )


EXAMPLES: dict[str, dict[str, Any]] = {
    "interest": {"principal_cents": 500000, "due": "2023-12-31", "until": "2024-01-30"},
    "legal-interest": {"principal_cents": 100000, "start": "2024-01-15", "until": "2024-06-30"},
    "fees": {"invoices": 3},
    "deadline": {"start": "2026-04-30", "months": 1},
    "limitation": {
        "start": "2021-03-01",
        "kind": "commercial",
        "interruptions": [{"kind": "acknowledgement", "on": "2023-01-10"}],
    },
    "seizable-wage": {"net_cents": 250000, "year": 2026, "dependants": 1},
    "bank-floor": {"on": "2026-05-01"},
    "procedure": {"amount_cents": 350000},
    "allocate": {
        "amount_cents": 100000,
        "debts": [
            {"ref": "F1", "principal_cents": 80000, "due_date": "2025-01-31"},
            {"ref": "F2", "principal_cents": 50000, "due_date": "2025-03-31"},
        ],
    },
    "statement": {
        "as_of": "2026-03-01",
        "claims": [{"ref": "F1", "principal_cents": 100000, "due_date": "2025-12-01"}],
        "payments": [{"ref": "P1", "received_on": "2026-02-01", "amount_cents": 30000}],
    },
}

VIEWS = {command: _view(command, *rest) for command, *rest in COMMANDS}

routes: list = []
paths: list = [
    path(f"law/{command}", view.as_view(), name=f"law-{command}") for command, view in VIEWS.items()
]
