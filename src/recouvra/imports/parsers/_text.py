"""Small helpers shared by the bank-statement parsers (CFONB 120, MT940, OFX).

Pure Python, no Django. Everything about money is integer arithmetic: amounts are
read from their digits and turned into integer cents, never through ``float``.

- :func:`decode_text` turns the uploaded bytes into text (UTF-8, else a fallback
  single-byte code page), dropping a byte-order mark.
- :func:`strip_controls` removes C0 control characters (SOH, ETX, NUL, SUB...) that
  some banks put around their messages, keeping line ends; tabs become spaces.
- :func:`split_lines` splits on CRLF, LF or a lone CR (mixed line ends are common).
- :func:`scaled_to_cents` and :func:`decimal_to_cents` turn digits into cents, and say
  whether the value was exact (more than two significant decimals are rounded half
  to even, and the caller decides what to report).
- :func:`normalize_iban` returns an IBAN when a text is one (mod-97 checked).
"""

from __future__ import annotations

import re

from recouvra.imports.records import BadValue, gettext_noop

__all__ = [
    "decimal_to_cents",
    "decode_text",
    "normalize_iban",
    "scaled_to_cents",
    "split_lines",
    "strip_controls",
]

_NOT_AN_AMOUNT = gettext_noop("montant « %(amount)s » illisible")
# C0 controls except TAB (turned into a space), LF and CR (kept), and DEL.
_CONTROLS: dict[int, str | None] = {
    code: None for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)
}
_CONTROLS[0x09] = " "
_CONTROLS[0x7F] = None
_CONTROL_TABLE = str.maketrans(_CONTROLS)
_CONTROL_SEARCH = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\t]").search


def decode_text(data: bytes, fallback: str = "latin-1") -> str:
    """Decode ``data`` as UTF-8 (BOM dropped), else with ``fallback``.

    ``fallback`` may be a code page with undefined bytes (cp1252); latin-1, which
    maps every byte, is then the last resort, so this never raises.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(fallback)
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


def strip_controls(text: str) -> str:
    """Remove C0 control characters and DEL, keep CR/LF, turn tabs into spaces."""
    # the search is much cheaper than translate() on the (usual) clean file
    if _CONTROL_SEARCH(text) is not None:
        return text.translate(_CONTROL_TABLE)
    return text


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or lone CR; line-end characters are not kept.

    Unlike ``str.splitlines`` this does not split on form feeds, NEL (U+0085) or the
    Unicode separators, which may appear inside fixed-width records.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _round_half_even(value: int, divisor: int) -> tuple[int, bool]:
    """``value / divisor`` rounded half to even (value >= 0); and whether exact."""
    quotient, remainder = divmod(value, divisor)
    if remainder == 0:
        return quotient, True
    twice = 2 * remainder
    if twice > divisor or (twice == divisor and quotient % 2 == 1):
        quotient += 1
    return quotient, False


def scaled_to_cents(digits: str, decimals: int) -> tuple[int, bool]:
    """Cents for an unsigned digit string holding ``value * 10**decimals``.

    ``scaled_to_cents("12345", 2) == (12345, True)`` (123.45);
    ``scaled_to_cents("12345", 3) == (1234, False)`` (12.345, rounded half to even);
    ``scaled_to_cents("12", 0) == (1200, True)``. Raises ValueError unless ``digits``
    is made of ASCII digits only.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        raise BadValue(gettext_noop("nombre « %(value)s » illisible"), value=digits)
    value = int(digits)
    if decimals == 2:
        return value, True
    if decimals < 2:
        return value * 10 ** (2 - decimals), True
    return _round_half_even(value, 10 ** (decimals - 2))


def decimal_to_cents(text: str, separator: str = ".") -> tuple[int, bool]:
    """Cents for a signed decimal written ``[+-]digits[<separator>digits]``.

    ``decimal_to_cents("-33.3") == (-3330, True)``, ``decimal_to_cents("300,", ",")
    == (30000, True)``, ``decimal_to_cents(".5") == (50, True)``. More than two
    significant decimals are rounded half to even and reported as not exact.
    Anything else (currency symbols, thousands separators, exponents, an empty
    string) raises ValueError.
    """
    body = text.strip()
    negative = False
    if body[:1] in ("-", "+"):
        negative = body[0] == "-"
        body = body[1:]
    whole, sep, fraction = body.partition(separator)
    if not whole and not fraction:
        raise BadValue(_NOT_AN_AMOUNT, amount=text)
    for part in (whole, fraction):
        if part and not (part.isascii() and part.isdigit()):
            raise BadValue(_NOT_AN_AMOUNT, amount=text)
    if len(fraction) <= 2:
        cents, exact = int(whole or "0") * 100 + int((fraction + "00")[:2]), True
    else:
        cents, exact = _round_half_even(int((whole or "0") + fraction), 10 ** (len(fraction) - 2))
    return (-cents if negative else cents), exact


def normalize_iban(text: str) -> str:
    """The IBAN in ``text`` (spaces removed, upper case) when its mod-97 check holds, else "".

    A trailing three-letter currency code, as some banks append in MT940 ``:25:``
    fields (``NL77INGB0574908765EUR``), is tolerated.
    """
    candidate = "".join(text.split()).upper()
    iban = _checked_iban(candidate)
    if not iban and len(candidate) > 18 and candidate[-3:].isalpha():
        iban = _checked_iban(candidate[:-3])
    return iban


def _checked_iban(candidate: str) -> str:
    if not 15 <= len(candidate) <= 34 or not candidate.isascii() or not candidate.isalnum():
        return ""
    if not (candidate[:2].isalpha() and candidate[2:4].isdigit()):
        return ""
    rearranged = candidate[4:] + candidate[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return candidate if int(number) % 97 == 1 else ""
