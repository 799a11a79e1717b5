"""Reading delimited text files: encoding, separator, header row, French dates and amounts.

Pure Python (no Django). Shared by the open-items parser (ledger_csv), the FEC parser and
format detection.

Encoding (detect_encoding):

1. a UTF-8 byte-order mark → "utf-8-sig"; a UTF-16 one → "utf-16" (Excel's "Texte Unicode");
2. bytes that are valid UTF-8 → "utf-8" (plain ASCII included);
3. otherwise a single-byte Western encoding, Windows-1252 or ISO-8859-15. They agree on
   every byte but two groups:
   - 0x80–0x9F are printable in Windows-1252 (€ ’ “ ” œ … are there) and unused C1
     control codes in ISO-8859-15: one such byte → "cp1252";
   - without them the two differ on 8 bytes only (0xA4 0xA6 0xA8 0xB4 0xB8 0xBC 0xBD 0xBE:
     € Š š Ž ž Œ œ Ÿ in ISO-8859-15, ¤ ¦ ¨ ´ ¸ ¼ ½ ¾ in Windows-1252/Latin-1). In French
     text € and œ are far likelier than ¤ and ½, and accounting software that writes
     Latin-9 (the FEC allows ISO-8859-15) never writes C1 bytes → "iso-8859-15". When none
     of the 8 bytes occurs either, both encodings give exactly the same text.
4. NUL bytes in a file without BOM: UTF-16 when they fall on every other byte, else the
   file is binary and EncodingError is raised.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from recouvra.imports.records import ParseError
from recouvra.law.money import AmountError, parse_amount

SEPARATORS = (";", "\t", ",", "|")  # in order of preference on a tie (French files: ";")
SNIFF_LINES = 30  # lines looked at to guess the separator
# The widest table read, in columns. Ledger exports have a few dozen columns at most (the
# FEC has 18); a cell further right is a stray or a hostile file, and reading it would
# make every row that wide (a single cell in column XFD means 16,384 values per row):
# refused with the line and column, for the user to delete it.
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 30  # rows looked at to find the header (title lines may come before)

_C1 = re.compile(rb"[\x80-\x9f]")


class EncodingError(ValueError):
    """The bytes are not text in any encoding we read."""


def detect_encoding(data: bytes, *, partial: bool = False) -> str:
    """The codec name for `data` (see the module docstring for the rules).

    `partial`: `data` is the head of a longer file, so a UTF-8 sequence cut at its very
    end does not count against UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data[:4096]:
        return _utf16_without_bom(data[:4096])
    if data.isascii():
        return "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if partial and exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return "utf-8"
    else:
        return "utf-8"
    if _C1.search(data):
        return "cp1252"
    return "iso-8859-15"


def _utf16_without_bom(head: bytes) -> str:
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    if half and odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if half and even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    raise EncodingError("fichier binaire ou encodage non reconnu (octets nuls)")


def decode(data: bytes, *, partial: bool = False) -> tuple[str, str]:
    """(text, encoding) for the bytes; a BOM is removed, line ends are left as they are.

    Windows-1252 leaves 5 bytes undefined (0x81 0x8D 0x8F 0x90 0x9D): they become U+FFFD
    rather than failing the whole file.
    """
    encoding = detect_encoding(data, partial=partial)
    errors = "replace" if partial or encoding == "cp1252" else "strict"
    try:
        text = data.decode(encoding, errors)
    except UnicodeDecodeError as exc:  # UTF-16 with an odd byte count, mostly
        raise EncodingError(f"texte illisible en {encoding} : {exc.reason}") from exc
    if text.startswith("\ufeff"):  # the "utf-16" codec keeps no BOM; be safe anyway
        text = text[1:]
    return text, encoding


def split_cells(line: str, separator: str) -> list[str]:
    """One line cut at `separator`, honouring double quotes as CSV does."""
    return next(csv.reader([line], delimiter=separator), [])


def detect_separator(lines: Iterable[str]) -> str:
    """The most consistent separator among ; TAB , | over the first non-blank lines.

    For each candidate, count it on every line (outside quotes); the winner is the one
    whose most frequent non-zero count is shared by the most lines, then the one with the
    most columns. Title lines before the header weigh little: they rarely have the same
    number of separators as the table. "" when no candidate occurs at all.
    """
    sample = [line for line in lines if line.strip()][:SNIFF_LINES]
    best: tuple[int, int, int] = (0, 0, 0)
    winner = ""
    for rank, separator in enumerate(SEPARATORS):
        counts = Counter(
            len(split_cells(line, separator)) - 1 for line in sample if separator in line
        )
        counts.pop(0, None)
        if not counts:
            continue
        per_line, lines_agreeing = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (lines_agreeing, per_line, -rank)
        if score > best:
            best, winner = score, separator
    return winner


def trim_row(cells: Sequence[object]) -> list[object]:
    """The cells up to the last one that is not empty (None or blank text)."""
    end = len(cells)
    while end and _empty(cells[end - 1]):
        end -= 1
    return list(cells[:end])


def _empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def too_many_columns(filename: str, line: int, column: int, letter: str = "") -> ParseError:
    """The error for a value in a column past MAX_COLUMNS (`letter`: its name in a sheet)."""
    where = f"{letter} (n° {column})" if letter else f"n° {column}"
    return ParseError(
        f"trop de colonnes : une valeur en colonne {where}, au plus {MAX_COLUMNS} colonnes "
        "sont lues ; supprimez les colonnes en trop",
        file=filename,
        line=line,
        field=letter or str(column),
    )


def normalize_header(text: object) -> str:
    """ "Date d'échéance " → "datedecheance": no accents, no case, no spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", str(text or "")).casefold()
    return "".join(char for char in decomposed if char.isalnum())


def find_header_row(
    rows: Sequence[Sequence[object]],
    score,
    *,
    minimum: int = 2,
    max_rows: int = HEADER_SCAN_ROWS,
) -> int | None:
    """Index of the first row among the first `max_rows` whose score(row) reaches `minimum`.

    `score` tells how many cells of a row are known column names; title lines, blank lines
    and notes before the table score less and are passed over.
    """
    for index, row in enumerate(rows[:max_rows]):
        if score(row) >= minimum:
            return index
    return None


# Dates ------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateError(ValueError):
    """The text is not a date."""


def parse_date(text: str) -> date:
    """A date written dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or yyyymmdd.

    Day and month may have one digit; a two-digit year is 20yy (dd/mm/yy); an ISO date may
    carry a time ("2024-03-10 00:00:00", "2024-03-10T08:00"), which is dropped.
    """
    raw = str(text).strip()
    if match := _DAY_FIRST.match(raw):
        day, _, month, year = match.groups()
        full_year = 2000 + int(year) if len(year) == 2 else int(year)
        return _make_date(full_year, int(month), int(day), text)
    if match := _ISO.match(raw):
        year, month, day = match.groups()
        return _make_date(int(year), int(month), int(day), text)
    if match := _COMPACT.match(raw):
        year, month, day = match.groups()
        return _make_date(int(year), int(month), int(day), text)
    raise DateError(f"not a date: {text!r}")


def _make_date(year: int, month: int, day: int, text: object) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError(f"not a date: {text!r}") from exc


# Amounts ----------------------------------------------------------------------------------

_CURRENCY_WORDS = re.compile(r"(?i)\s*(eur|euros?)\s*$")


def parse_cents(text: str) -> int:
    """Signed cents of an amount as found in exports: "1 234,56", "-12,00", "12,00-",
    "1.234,56", "1234.56", "1 234,56 €", "1234,56 EUR", or "(12,00)" for a negative one.

    Goes through recouvra.law.money.parse_amount (Decimal, never float); raises AmountError.
    """
    raw = _CURRENCY_WORDS.sub("", str(text).strip())
    if raw.startswith("(") and raw.endswith(")"):
        inner = raw[1:-1].strip()
        if inner.startswith(("-", "+")) or inner.endswith(("-", "+")):
            raise AmountError(f"not an amount: {text!r}")
        return -parse_amount(inner)
    return parse_amount(raw)


__all__ = [
    "AmountError",
    "DateError",
    "EncodingError",
    "MAX_COLUMNS",
    "SEPARATORS",
    "decode",
    "detect_encoding",
    "detect_separator",
    "find_header_row",
    "normalize_header",
    "parse_cents",
    "parse_date",
    "split_cells",
    "too_many_columns",
    "trim_row",
]
