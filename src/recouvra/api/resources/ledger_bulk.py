"""POST /api/v1/claims/bulk: up to 10,000 claims of one creditor, created or updated by
their reference with the rules of a ledger import (imports.ledger_import.upsert_claims).

Each row is checked on its own (a fast hand-written check of what BulkClaimSerializer
describes: a DRF serializer per row would cost more than the upsert itself); a row in
error is answered as such and does not stop the others. The call as a whole is refused
only when it cannot be read: an unknown or invisible creditor, `claims` not a list, or
more than MAX_ROWS rows.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from recouvra.core.bulk import batches
from recouvra.imports.ledger_import import CREATED, ERROR, UNCHANGED, UPDATED, upsert_claims
from recouvra.imports.messages import reason
from recouvra.imports.records import LedgerClaim
from recouvra.law.dates import MAX_DATE, MIN_DATE
from recouvra.law.money import MAX_CENTS
from recouvra.ledger.models import ClaimKind, Creditor, Debtor

from ..models import ApiKey
from ..serializers import CentsField, StrictSerializer

MAX_ROWS = 10_000
RESULTS = (CREATED, UPDATED, UNCHANGED, ERROR)

DESCRIPTION = (
    "Crée ou met à jour jusqu'à 10 000 créances d'un créancier, par leur référence, avec "
    "les règles d'un import de balance : une référence nouvelle crée la créance (son "
    "débiteur est trouvé — par `debtor`, sinon SIREN, code client puis nom — ou créé, son "
    "dossier ouvert ou rejoint) ; un montant ou une date changés modifient la créance et "
    "l'inscrivent au dossier ; une ligne identique ne change rien. Seuls le montant et les "
    "dates d'une créance existante sont comparés. Une ligne en erreur n'arrête pas les "
    "autres : la réponse donne, ligne par ligne, `created`, `updated`, `unchanged` ou "
    "`error` avec ses erreurs, et les totaux. Plus de 10 000 lignes : requête refusée."
)


# ------------------------------------------------------------------ what the schema shows


class BulkClaimSerializer(StrictSerializer):
    """One row: a claim of the call's creditor, its debtor named by `debtor` (an id) or
    as a ledger file names it (`debtor_siren`, `debtor_account`, `debtor_name`)."""

    reference = serializers.CharField(max_length=60)
    debtor = serializers.IntegerField(required=False)
    debtor_name = serializers.CharField(required=False, max_length=200)
    debtor_siren = serializers.CharField(required=False, max_length=20)
    debtor_vat = serializers.CharField(required=False, max_length=30)
    debtor_account = serializers.CharField(
        required=False,
        max_length=40,
        help_text=gettext_lazy("Code client dans la comptabilité du créancier (411…)."),
    )
    issue_date = serializers.DateField()
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Absente : 30 jours après la date d'émission (C. com. L441-10)."),
    )
    principal_cents = CentsField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="EUR")
    kind = serializers.ChoiceField(choices=ClaimKind.choices, required=False, default="b2b")
    terms = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    contractual_rate = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False, allow_null=True
    )


class BulkRequestSerializer(StrictSerializer):
    creditor = serializers.IntegerField()
    claims = serializers.ListField(child=BulkClaimSerializer(), max_length=MAX_ROWS)


class BulkRowErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    reference = serializers.CharField()
    result = serializers.ChoiceField(choices=[(r, r) for r in RESULTS])
    id = serializers.IntegerField(allow_null=True)
    errors = BulkRowErrorSerializer(many=True)


class BulkCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class BulkResponseSerializer(serializers.Serializer):
    counts = BulkCountsSerializer()
    results = BulkResultSerializer(many=True)


# ------------------------------------------------------------------ the call


def source(api_key: ApiKey) -> str:
    """Who changed a claim, as the case timeline says it (in French, as the timeline)."""
    return f"l'API (clé « {api_key.name} »)"


def upsert(view: Any, data: Any) -> dict[str, Any]:
    """Check the call, then each row, upsert the good ones; the answer of the call."""
    creditor, rows = _call(view, data)
    results: list[dict[str, Any]] = []
    claims: list[LedgerClaim] = []
    positions: list[int] = []
    for index, row in enumerate(rows):
        errors: list[dict[str, str]] = []
        claim = _row(row, errors) if isinstance(row, dict) else _not_an_object(errors)
        reference = row.get("reference") if isinstance(row, dict) else None
        results.append(
            {
                "index": index,
                "reference": reference if isinstance(reference, str) else "",
                "result": ERROR if errors else UNCHANGED,
                "id": None,
                "errors": errors,
            }
        )
        if claim is not None and not errors:
            claims.append(claim)
            positions.append(index)
    claims, positions = _known_debtors(view, claims, positions, results)
    with transaction.atomic():
        done = upsert_claims(
            view.member.organization_id,
            creditor,
            claims,
            source=source(view.api_key),
            author_id=view.request.user.pk,
            audited=True,
        )
    for position, outcome in zip(positions, done.outcomes, strict=True):
        result = results[position]
        result["result"], result["id"] = outcome.result, outcome.claim_id
        result["errors"] = [
            {"field": _api_field(e.field), "message": reason(e), "code": "invalid"}
            for e in outcome.errors
        ]
    counts = dict.fromkeys(RESULTS, 0)
    for result in results:
        counts[result["result"]] += 1
    return {"counts": counts, "results": results}


def _call(view: Any, data: Any) -> tuple[Creditor, list[Any]]:
    if not isinstance(data, dict):
        raise ValidationError({"claims": [_("Le corps est un objet JSON {creditor, claims}.")]})
    unknown = sorted(set(data) - {"creditor", "claims"})
    errors: dict[str, list[str]] = {name: [_("Champ inconnu.")] for name in unknown}
    creditor_id, rows = data.get("creditor"), data.get("claims")
    creditor = None
    if isinstance(creditor_id, bool) or not isinstance(creditor_id, int):
        errors["creditor"] = [_("L'identifiant d'un créancier est un nombre entier.")]
    else:
        creditor = Creditor.objects.visible_to(view.member).filter(pk=creditor_id).first()
        if creditor is None:
            errors["creditor"] = [_("Créancier introuvable.")]
    if not isinstance(rows, list):
        errors["claims"] = [_("Une liste de créances est attendue.")]
    elif len(rows) > MAX_ROWS:
        message = _("Au plus %(max)d créances par appel (%(count)d reçues).")
        errors["claims"] = [message % {"max": MAX_ROWS, "count": len(rows)}]
    if errors:
        raise ValidationError(errors)
    return creditor, rows


def _api_field(name: str) -> str:
    return "principal_cents" if name == "amount_cents" else name


# ------------------------------------------------------------------ one row

STRINGS = {  # field: (max length, required)
    "reference": (60, True),
    "debtor_name": (200, False),
    "debtor_siren": (20, False),
    "debtor_vat": (30, False),
    "debtor_account": (40, False),
    "terms": (2000, False),
    "currency": (3, False),
    "kind": (3, False),
}
KNOWN = frozenset(BulkClaimSerializer._declared_fields)
CURRENCY_RE = re.compile(r"[A-Z]{3}")
KINDS = frozenset(ClaimKind.values)
B2B = str(ClaimKind.B2B)
RATE_MAX = Decimal("999.999")


def _error(errors: list[dict[str, str]], field: str, message: str, code: str = "invalid") -> None:
    errors.append({"field": field, "message": message, "code": code})


def _not_an_object(errors: list[dict[str, str]]) -> None:
    _error(errors, "", _("Une créance est un objet JSON."))


def _row(row: dict[str, Any], errors: list[dict[str, str]]) -> LedgerClaim | None:
    """The row as the upsert reads it, or None with its errors (each naming its field)."""
    if not KNOWN.issuperset(row):
        for name in sorted(set(row) - KNOWN):
            _error(errors, name, _("Champ inconnu."), "unknown")
    text = {}
    for name, (limit, required) in STRINGS.items():
        value = row.get(name)
        if type(value) is str and 0 < len(value) <= limit and value == value.strip():
            text[name] = value  # the common case, checked at once
        else:
            text[name] = _string(row, name, limit, required, errors)
    issue = _date(row, "issue_date", True, errors)
    due = _date(row, "due_date", False, errors)
    cents = _cents(row, errors)
    debtor = _debtor(row, errors)
    rate = _rate(row, errors)
    currency = text["currency"] or "EUR"
    if currency != "EUR" and not CURRENCY_RE.fullmatch(currency):
        _error(errors, "currency", _("Une devise est un code ISO 4217 de 3 lettres (EUR)."))
    kind = text["kind"] or B2B
    if kind not in KINDS:
        _error(errors, "kind", _("Nature inconnue : b2b ou b2c."))
    if errors:
        return None
    return LedgerClaim(
        reference=text["reference"],
        issue_date=issue,
        due_date=due,
        amount_cents=cents,
        currency=currency,
        debtor_name=text["debtor_name"],
        debtor_siren=text["debtor_siren"],
        debtor_vat=text["debtor_vat"],
        debtor_account=text["debtor_account"],
        payment_terms=text["terms"],
        debtor_id=debtor,
        kind=kind,
        contractual_rate=rate,
    )


def _string(
    row: dict[str, Any], name: str, limit: int, required: bool, errors: list[dict[str, str]]
) -> str:
    value = row.get(name)
    if value is None:
        if required:
            _error(errors, name, _("Ce champ est obligatoire."), "required")
        return ""
    if not isinstance(value, str):
        _error(errors, name, _("Un texte est attendu."))
        return ""
    value = value.strip()
    if len(value) > limit:
        _error(errors, name, _("Au plus %(max)d caractères.") % {"max": limit}, "max_length")
    elif required and not value:
        _error(errors, name, _("Ce champ est obligatoire."), "required")
    return value


def _date(
    row: dict[str, Any], name: str, required: bool, errors: list[dict[str, str]]
) -> date | None:
    value = row.get(name)
    if value is None:
        if required:
            _error(errors, name, _("Ce champ est obligatoire."), "required")
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        _error(errors, name, _("Une date ISO 8601 est attendue (AAAA-MM-JJ)."))
        return None
    if not MIN_DATE <= day <= MAX_DATE:
        message = _("Date hors limites : les dates acceptées vont du %(min)s au %(max)s.")
        bounds = {"min": MIN_DATE.strftime("%d/%m/%Y"), "max": MAX_DATE.strftime("%d/%m/%Y")}
        _error(errors, name, message % bounds, "date_out_of_range")
        return None
    return day


def _cents(row: dict[str, Any], errors: list[dict[str, str]]) -> int:
    value = row.get("principal_cents")
    if value is None:
        _error(errors, "principal_cents", _("Ce champ est obligatoire."), "required")
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        message = CentsField.default_error_messages["not_integer"]
        _error(errors, "principal_cents", str(message), "not_integer")
        return 0
    if abs(value) > MAX_CENTS:
        message = str(CentsField.default_error_messages["range"]) % {"max": MAX_CENTS}
        _error(errors, "principal_cents", message, "range")
        return 0
    return value


def _debtor(row: dict[str, Any], errors: list[dict[str, str]]) -> int | None:
    value = row.get("debtor")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        _error(errors, "debtor", _("L'identifiant d'un débiteur est un nombre entier."))
        return None
    return value


def _rate(row: dict[str, Any], errors: list[dict[str, str]]) -> Decimal | None:
    value = row.get("contractual_rate")
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidOperation
        rate = Decimal(str(value))
        if not rate.is_finite() or not 0 <= rate <= RATE_MAX or rate.as_tuple().exponent < -3:
            raise InvalidOperation
    except InvalidOperation:
        message = _('Un taux en pourcentage, de 0 à 999,999, trois décimales au plus ("10.5").')
        _error(errors, "contractual_rate", message)
        return None
    return rate


def _known_debtors(
    view: Any, claims: list[LedgerClaim], positions: list[int], results: list[dict[str, Any]]
) -> tuple[list[LedgerClaim], list[int]]:
    """The rows whose `debtor` the key may see; the others answered as errors."""
    wanted = sorted({c.debtor_id for c in claims if c.debtor_id is not None})
    if not wanted:
        return claims, positions
    seen: set[int] = set()
    debtors = Debtor.objects.visible_to(view.member).order_by()
    for chunk in batches(wanted):
        seen.update(debtors.filter(pk__in=chunk).values_list("pk", flat=True))
    kept_claims, kept_positions = [], []
    for claim, position in zip(claims, positions, strict=True):
        if claim.debtor_id is None or claim.debtor_id in seen:
            kept_claims.append(claim)
            kept_positions.append(position)
            continue
        result = results[position]
        result["result"] = ERROR
        _error(result["errors"], "debtor", _("Débiteur introuvable."), "does_not_exist")
    return kept_claims, kept_positions
