"""Django validators over recouvra.law.identifiers, with translated messages."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from recouvra.law import identifiers
from recouvra.law.dates import MAX_DATE, MIN_DATE, DateOutOfRange, check_date
from recouvra.law.money import MAX_CENTS, AmountOutOfRange, check_cents, format_amount

MESSAGES = {
    "siren": _("Numéro SIREN invalide : 9 chiffres avec une clé de contrôle correcte."),
    "siret": _("Numéro SIRET invalide : 14 chiffres avec une clé de contrôle correcte."),
    "vat": _("Numéro de TVA intracommunautaire invalide."),
    "iban": _("IBAN invalide : vérifiez le code pays, la longueur et la clé."),
    "bic": _("BIC invalide : 8 ou 11 caractères (banque, pays, place, agence)."),
    "sepa_creditor_id": _(
        "Identifiant créancier SEPA (ICS) invalide : FR, 2 chiffres de clé, 3 caractères, "
        "6 caractères ; vérifiez la clé."
    ),
}


def _validate(kind: str, value: str) -> None:
    cleaner = getattr(identifiers, f"clean_{kind}")
    try:
        cleaner(value)
    except identifiers.InvalidIdentifier as exc:
        raise ValidationError(MESSAGES[kind], code=f"invalid_{kind}") from exc


def validate_siren(value: str) -> None:
    _validate("siren", value)


def validate_siret(value: str) -> None:
    _validate("siret", value)


def validate_vat(value: str) -> None:
    _validate("vat", value)


def validate_iban(value: str) -> None:
    _validate("iban", value)


def validate_bic(value: str) -> None:
    _validate("bic", value)


def validate_sepa_creditor_id(value: str) -> None:
    _validate("sepa_creditor_id", value)


def compact(kind: str, value: str) -> str:
    """The compact form of a valid identifier (spaces removed), or the value unchanged."""
    if not value:
        return value
    try:
        return getattr(identifiers, f"clean_{kind}")(value)
    except identifiers.InvalidIdentifier:
        return value


def amount_out_of_range_message() -> str:
    return _("Montant trop élevé : au plus %(max)s en valeur absolue.") % {
        "max": format_amount(MAX_CENTS)
    }


def validate_amount(cents: int) -> None:
    """Within ±MAX_CENTS (recouvra.law.money explains the ceiling): forms, models, the API."""
    try:
        check_cents(cents)
    except AmountOutOfRange as exc:
        raise ValidationError(amount_out_of_range_message(), code="amount_too_large") from exc


def date_out_of_range_message() -> str:
    return _("Date hors limites : les dates acceptées vont du %(min)s au %(max)s.") % {
        "min": MIN_DATE.strftime("%d/%m/%Y"),
        "max": MAX_DATE.strftime("%d/%m/%Y"),
    }


def validate_date_in_range(day: date) -> None:
    """Within the dates the law engine computes with (recouvra.law.dates explains why)."""
    try:
        check_date(day)
    except DateOutOfRange as exc:
        raise ValidationError(date_out_of_range_message(), code="date_out_of_range") from exc
