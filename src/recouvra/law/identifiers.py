"""Company and bank identifiers: SIREN, SIRET, intra-EU VAT number, IBAN.

Each check returns the compact form, or raises InvalidIdentifier with a reason code
that the web layer turns into a translated message.
"""

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret


class InvalidIdentifier(ValueError):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"invalid {kind}: {reason}")
        self.kind = kind
        self.reason = reason


def _reason(exc: ValidationError) -> str:
    name = type(exc).__name__
    return {
        "InvalidLength": "length",
        "InvalidChecksum": "checksum",
        "InvalidFormat": "format",
        "InvalidComponent": "component",
    }.get(name, "format")


def clean_siren(value: str) -> str:
    try:
        if len(value) == 9 and value.isascii() and value.isdigit():
            return luhn.validate(value)  # what validate checks of a compact number: 10x faster
        return fr_siren.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier("siren", _reason(exc)) from exc


def clean_siret(value: str) -> str:
    try:
        return fr_siret.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier("siret", _reason(exc)) from exc


def clean_vat(value: str) -> str:
    try:
        return eu_vat.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier("vat", _reason(exc)) from exc


def clean_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise InvalidIdentifier("iban", "checksum" if "checksum" in str(exc) else "format") from exc


def clean_bic(value: str) -> str:
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise InvalidIdentifier("bic", "format") from exc


def clean_sepa_creditor_id(value: str) -> str:
    """A SEPA creditor identifier (ICS in France: FR, 2 check digits, a 3-character business
    code that the check ignores, then the national id: 6 characters in France). The check
    digits are those of ISO 7064 mod 97-10 over the national id, the country and "00"."""
    compact = "".join(value.split()).upper()
    if not (8 <= len(compact) <= 35 and compact.isalnum() and compact[:2].isalpha()):
        raise InvalidIdentifier("sepa_creditor_id", "format")
    if compact[:2] == "FR" and len(compact) != 13:
        raise InvalidIdentifier("sepa_creditor_id", "length")
    digits = "".join(str(int(c, 36)) for c in compact[7:] + compact[:2] + "00")
    if f"{98 - int(digits) % 97:02d}" != compact[2:4]:
        raise InvalidIdentifier("sepa_creditor_id", "checksum")
    return compact


def sepa_creditor_id(country: str, national_id: str, business_code: str = "ZZZ") -> str:
    """The creditor identifier with its check digits (demo data, tests)."""
    digits = "".join(str(int(c, 36)) for c in national_id.upper() + country.upper() + "00")
    return f"{country.upper()}{98 - int(digits) % 97:02d}{business_code}{national_id.upper()}"


def siren_check_digit(first_eight: str) -> str:
    """The Luhn digit that makes a valid SIREN of eight digits (used by demo data)."""
    return luhn.calc_check_digit(first_eight)


def french_vat_from_siren(siren: str) -> str:
    """FR + 2-digit key + SIREN, the key being (12 + 3 × (SIREN mod 97)) mod 97."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"
