"""Calculateur: the law engine without creating records. One form and one function per tool."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.validators import validate_date_in_range
from recouvra.law import deadlines, garnishment, prescription, procedure
from recouvra.law.dates import MAX_DATE, MIN_DATE
from recouvra.law.fees import recovery_fees
from recouvra.law.interest import (
    ACTUAL_365,
    ACTUAL_366,
    ContractualRateTooLow,
    late_payment_interest,
    legal_interest,
)
from recouvra.law.tables import RateUnavailable
from recouvra.web.forms import MoneyField

from .rates import rate_tables


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(
        widget=forms.DateInput(
            attrs={"type": "date", "min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
            format="%Y-%m-%d",
        ),
        validators=[validate_date_in_range],
        **kwargs,
    )


class InterestForm(forms.Form):
    regime = forms.ChoiceField(
        label=_("Intérêts"),
        choices=[
            ("b2b", _("Pénalités de retard entre professionnels (C. com. L441-10)")),
            ("legal", _("Intérêt légal (C. civ. 1231-6)")),
        ],
    )
    principal = MoneyField(label=_("Principal (€)"))
    start = _date(label=_("Échéance ou date de la mise en demeure"))
    until = _date(label=_("Jusqu'au (inclus)"))
    contractual_rate = forms.DecimalField(
        label=_("Taux contractuel (%)"), required=False, min_value=0, max_digits=6, decimal_places=3
    )
    creditor_is_consumer = forms.BooleanField(
        label=_("Créancier particulier (intérêt légal)"), required=False
    )
    judgment_enforceable_on = _date(label=_("Jugement exécutoire le"), required=False)
    day_count = forms.ChoiceField(
        label=_("Base"),
        choices=[(ACTUAL_365, _("365 jours")), (ACTUAL_366, _("366 jours les années bissextiles"))],
    )


class FeesForm(forms.Form):
    invoices = forms.IntegerField(
        label=_("Factures payées en retard"), min_value=0, max_value=10_000
    )
    debtor_is_professional = forms.BooleanField(label=_("Débiteur professionnel"), required=False)


class DeadlineForm(forms.Form):
    start = _date(label=_("Point de départ"))
    days = forms.IntegerField(label=_("Jours"), min_value=0, max_value=3650, required=False)
    months = forms.IntegerField(label=_("Mois"), min_value=0, max_value=120, required=False)
    years = forms.IntegerField(label=_("Années"), min_value=0, max_value=30, required=False)
    alsace_moselle = forms.BooleanField(label=_("Alsace-Moselle"), required=False)


class LimitationForm(forms.Form):
    start = _date(label=_("Point de départ (exigibilité ou connaissance des faits)"))
    kind = forms.ChoiceField(
        label=_("Nature"),
        choices=[
            ("commercial", _("Commerciale — 5 ans (C. com. L110-4)")),
            ("civil", _("Civile — 5 ans (C. civ. 2224)")),
            ("consumer", _("Consommateur — 2 ans (C. conso. L218-2)")),
            ("title", _("Titre exécutoire — 10 ans (CPCE L111-4)")),
        ],
    )
    acknowledgement = _date(label=_("Dernière reconnaissance de dette ou paiement"), required=False)
    court_claim = _date(label=_("Demande en justice"), required=False)
    enforcement = _date(label=_("Mesure d'exécution"), required=False)


class WageForm(forms.Form):
    net = MoneyField(label=_("Salaire net mensuel (€)"))
    year = forms.IntegerField(label=_("Année"), min_value=2024, max_value=2100)
    dependants = forms.IntegerField(label=_("Personnes à charge"), min_value=0, max_value=20)


class ProcedureForm(forms.Form):
    amount = MoneyField(label=_("Montant réclamé, principal et intérêts (€)"))
    debtor_is_professional = forms.BooleanField(label=_("Débiteur professionnel"), required=False)
    disputed = forms.BooleanField(label=_("Créance sérieusement contestée"), required=False)
    debtor_abroad = forms.BooleanField(
        label=_("Débiteur établi dans un autre État de l'UE"), required=False
    )


def compute_interest(data: dict[str, Any]) -> dict[str, Any]:
    tables = rate_tables()
    if data["regime"] == "b2b":
        result = late_payment_interest(
            data["principal"],
            data["start"],
            data["until"],
            contractual_rate=data["contractual_rate"],
            day_count=data["day_count"],
            tables=tables,
        )
    else:
        result = legal_interest(
            data["principal"],
            data["start"],
            data["until"],
            creditor_is_consumer=data["creditor_is_consumer"],
            judgment_enforceable_on=data["judgment_enforceable_on"],
            day_count=data["day_count"],
            tables=tables,
        )
    return {"interest": result}


def compute_fees(data: dict[str, Any]) -> dict[str, Any]:
    cents = recovery_fees(data["invoices"], debtor_is_professional=data["debtor_is_professional"])
    return {"fees": cents, "invoices": data["invoices"]}


def compute_deadline(data: dict[str, Any]) -> dict[str, Any]:
    periods = {k: data[k] or 0 for k in ("days", "months", "years")}
    ends = deadlines.deadline(data["start"], alsace_moselle=data["alsace_moselle"], **periods)
    raw = deadlines.raw_deadline(data["start"], **periods)
    return {"deadline": ends, "raw_deadline": raw}


def compute_limitation(data: dict[str, Any]) -> dict[str, Any]:
    events = [
        prescription.Interruption(data[kind], kind)
        for kind in ("acknowledgement", "court_claim", "enforcement")
        if data[kind]
    ]
    found = prescription.limitation(data["start"], kind=data["kind"], interruptions=events)
    return {"limitation": found, "barred": found.ends_on < timezone.localdate()}


def compute_wage(data: dict[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    # the RSA floor in force today for this year, or at the end of another year
    on = today if data["year"] == today.year else date(data["year"], 12, 31)
    floor = garnishment.floor_row(on)
    seizable = garnishment.seizable_wage(
        data["net"],
        year=data["year"],
        dependants=data["dependants"],
        on=on,
        allow_unverified=True,
    )
    return {"seizable": seizable, "left": data["net"] - seizable, "floor": floor}


def compute_procedure(data: dict[str, Any]) -> dict[str, Any]:
    routes = procedure.recommend_procedure(
        data["amount"],
        debtor_is_professional=data["debtor_is_professional"],
        disputed=data["disputed"],
        debtor_abroad=data["debtor_abroad"],
    )
    return {"routes": routes}


TOOLS = {
    "interest": (_("Intérêts"), InterestForm, compute_interest),
    "fees": (_("Indemnité forfaitaire"), FeesForm, compute_fees),
    "deadline": (_("Délais"), DeadlineForm, compute_deadline),
    "limitation": (_("Prescription"), LimitationForm, compute_limitation),
    "wage": (_("Saisie des rémunérations"), WageForm, compute_wage),
    "procedure": (_("Procédure"), ProcedureForm, compute_procedure),
}

# OverflowError: date arithmetic past the calendar; recouvra.law.dates turns it into
# DateOutOfRange (a ValueError) at the engine's entry points, this catches any other
ENGINE_ERRORS = (RateUnavailable, ContractualRateTooLow, ValueError, OverflowError)


def initial_values() -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    return {
        "interest": {"until": today, "day_count": ACTUAL_365},
        "wage": {"year": today.year, "dependants": 0},
        "deadline": {"start": today},
        "procedure": {"debtor_is_professional": True},
        "fees": {"invoices": 1, "debtor_is_professional": True},
    }
