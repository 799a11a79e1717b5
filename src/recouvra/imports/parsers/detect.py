"""Which format a file is in, from its content (never its name), and the one entry point
that reads any file: parse_file.

Pure Python (no Django). The parsers are imported only when needed.

detect_format looks, in this order, for:
- "%PDF-" in the first KiB → "facturx" (a PDF invoice with its CII XML inside);
- a ZIP holding xl/workbook.xml → "xlsx" (other ZIPs, ODS and old .xls are refused);
- an OFX header ("OFXHEADER:", the <?OFX ...?> instruction, or an <OFX> element) → "ofx";
- XML: the root element or its namespace, past comments and wrappers such as an
  AppHdr → "camt" (camt.052/053/054), "cii" (CrossIndustryInvoice, or the ZUGFeRD 1
  CrossIndustryDocument), "pain.008" (SEPA direct-debit initiation: recognised only to
  be refused, it is an order file and not a statement);
- CFONB 120: lines of 120 characters with record codes 01/04/05/07 (or the same records
  run together with no line ends) → "cfonb120";
- SWIFT MT940: ":20:", "{1:" or ":25:" with ":60F:"/":60M:"/":61:" lines → "mt940";
- a FEC header (JournalCode, CompteNum... TAB or | separated) → "fec";
- a delimited text whose header row names an invoice reference and an amount → "csv".
Anything else raises ParseError("format non reconnu…").
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile

from recouvra.imports.parsers.tabular import EncodingError, decode, detect_separator
from recouvra.imports.records import BankStatement, Ledger, ParseError, drop_out_of_range

MAX_BYTES = 200 * 1024 * 1024  # 200 MiB: a larger upload is refused before reading it
HEAD_BYTES = 256 * 1024  # what detection looks at

FORMATS = ("auto", "cfonb120", "camt", "mt940", "ofx", "fec", "csv", "xlsx", "facturx", "cii")
_PARSERS = {  # format → (module, function)
    "cfonb120": ("recouvra.imports.parsers.cfonb120", "parse_cfonb120"),
    "camt": ("recouvra.imports.parsers.camt", "parse_camt"),
    "mt940": ("recouvra.imports.parsers.mt940", "parse_mt940"),
    "ofx": ("recouvra.imports.parsers.ofx", "parse_ofx"),
    "fec": ("recouvra.imports.parsers.fec", "parse_fec"),
    "csv": ("recouvra.imports.parsers.ledger_csv", "parse_ledger_csv"),
    "xlsx": ("recouvra.imports.parsers.ledger_csv", "parse_ledger_xlsx"),
    "facturx": ("recouvra.imports.parsers.facturx", "parse_facturx"),
    "cii": ("recouvra.imports.parsers.cii", "parse_cii"),
}
# what a parser may put in .format, read back as a format name (the upload flow stores
# result.format and reads the file again with it)
_ALIASES = {
    "camt.052": "camt",
    "camt.053": "camt",
    "camt.054": "camt",
    "cfonb": "cfonb120",
    "mt942": "mt940",
    "factur-x": "facturx",
    "zugferd": "facturx",
    "pdf": "facturx",
}
PAIN008_REFUSED = "fichier d'ordres de prélèvement, pas un relevé"


def check_size(size: int, filename: str = "") -> None:
    """ParseError when a file of `size` bytes is over MAX_BYTES (check before reading it)."""
    if size > MAX_BYTES:
        raise ParseError(
            f"fichier trop volumineux : {size // (1024 * 1024)} Mo ({size} octets), "
            f"maximum {MAX_BYTES // (1024 * 1024)} Mo",
            file=filename,
        )


def detect_format(data: bytes, filename: str = "") -> str:
    """One of FORMATS (not "auto"), or "pain.008"; ParseError when nothing fits."""
    check_size(len(data), filename)
    if not data.strip():
        raise ParseError("fichier vide", file=filename)
    head = data[:HEAD_BYTES]
    if b"%PDF-" in head[:1024]:
        return "facturx"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, filename)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ParseError(
            "ancien classeur Excel (.xls) non pris en charge : enregistrez-le en .xlsx ou .csv",
            file=filename,
        )
    try:
        text, _ = decode(head, partial=len(data) > len(head))
    except EncodingError as exc:
        raise ParseError(f"format non reconnu : {exc}", file=filename) from exc
    if "\x00" in text:
        raise ParseError("format non reconnu : fichier binaire", file=filename)
    text = text.lstrip("\ufeff")
    start = text.lstrip()[:4096]
    if _is_ofx(start):
        return "ofx"
    if start.startswith("<"):
        return _xml_kind(text, filename)
    lines = text.split("\n")
    if len(data) > len(head) and len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut
    lines = [line.rstrip("\r") for line in lines]
    if _is_cfonb(lines):
        return "cfonb120"
    if _is_mt940(text):
        return "mt940"
    if _is_fec(lines):
        return "fec"
    if _is_ledger_table(lines):
        return "csv"
    raise ParseError(
        "format non reconnu : ni relevé bancaire (CFONB 120, MT940, OFX, camt), "
        "ni FEC, ni tableau de factures avec une ligne d'en-tête reconnue, ni Factur-X",
        file=filename,
    )


def _zip_kind(data: bytes, filename: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ParseError(f"archive ZIP illisible ou tronquée : {exc}", file=filename) from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        raise ParseError(
            "classeur OpenDocument (.ods) non pris en charge : enregistrez-le en .xlsx ou .csv",
            file=filename,
        )
    raise ParseError(
        "format non reconnu : archive ZIP qui n'est pas un classeur XLSX", file=filename
    )


def _is_ofx(start: str) -> bool:
    upper = start.upper()
    return upper.startswith("OFXHEADER:") or "<?OFX" in upper or "<OFX>" in upper


# XML: element names and namespaces, in document order, past comments and PIs.
_COMMENT = re.compile(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>]*>", re.S)
_START_TAG = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)([^>]*)>")
_XMLNS = re.compile(r"""xmlns(?::[\w.\-]+)?\s*=\s*(["'])(.*?)\1""")
_NAMESPACE_KINDS = (
    ("camt.05", "camt"),
    ("pain.008", "pain.008"),
    ("crossindustryinvoice", "cii"),
    ("crossindustrydocument", "cii"),
)
_ELEMENT_KINDS = {
    "BkToCstmrStmt": "camt",
    "BkToCstmrDbtCdtNtfctn": "camt",
    "BkToCstmrDbtCdtNtfctnV01": "camt",
    "BkToCstmrAcctRpt": "camt",
    "CstmrDrctDbtInitn": "pain.008",
    "CrossIndustryInvoice": "cii",
    "CrossIndustryDocument": "cii",
    "OFX": "ofx",
}
_XML_WRAPPERS = {"message", "Document", "AppHdr", "Envelope", "Body", "Header"}


def _xml_kind(text: str, filename: str) -> str:
    body = _COMMENT.sub("", text)
    first = ""
    for count, match in enumerate(_START_TAG.finditer(body)):
        if count >= 200:
            break
        name, attributes = match.group(2), match.group(3)
        first = first or name
        namespaces = " ".join(m.group(2) for m in _XMLNS.finditer(attributes)).lower()
        if "head.001" in namespaces:
            continue  # the business application header says nothing of the message
        for token, kind in _NAMESPACE_KINDS:
            if token in namespaces:
                return kind
        if name in _ELEMENT_KINDS:
            return _ELEMENT_KINDS[name]
        if name in ("Invoice", "CreditNote") and "ubl" in namespaces:
            raise ParseError(
                "facture UBL non prise en charge (seul le format CII / Factur-X l'est)",
                file=filename,
            )
        if "pain.001" in namespaces or name == "CstmrCdtTrfInitn":
            raise ParseError("fichier d'ordres de virement, pas un relevé", file=filename)
    raise ParseError(
        f"format non reconnu : XML dont l'élément racine est « {first or '?'} »",
        file=filename,
    )


_CFONB_CODES = ("01", "04", "05", "07")


def _is_cfonb(lines: list[str]) -> bool:
    records = [line for line in lines if line.strip()][:200]
    if not records or not records[0].startswith("01"):
        return False
    if len(records) <= 2 and len(records[0]) >= 240:  # records run together, no line ends
        blob = records[0]
        records = [blob[i : i + 120] for i in range(0, len(blob) - len(blob) % 120, 120)]
    if not all(
        record[:2] in _CFONB_CODES and record[2:7].isdigit() and len(record) <= 120
        for record in records
    ):
        return False
    return sum(len(record) == 120 for record in records) >= 0.8 * len(records)


_MT940_START = re.compile(r"(?m)^\s*(:20:|\{1:|:25:)")
_MT940_BODY = re.compile(r"(?m)^:(60F|60M|61|62F):")


def _is_mt940(text: str) -> bool:
    return bool(_MT940_START.search(text) and _MT940_BODY.search(text))


def _is_fec(lines: list[str]) -> bool:
    header = next((line for line in lines if line.strip()), "").lower()
    return "journalcode" in header and "comptenum" in header and "ecriturenum" in header


def _is_ledger_table(lines: list[str]) -> bool:
    from recouvra.imports.parsers.ledger_csv import _guess_indices
    from recouvra.imports.parsers.tabular import find_header_row, split_cells

    sample = [line for line in lines[:200] if line.strip()]
    separator = detect_separator(sample)
    if not separator:
        return False
    rows = [split_cells(line, separator) for line in sample]

    def score(row: list[str]) -> int:
        indices = _guess_indices(row)
        has_amount = "amount_cents" in indices or "debit" in indices
        return len(indices) if "reference" in indices and has_amount else 0

    return find_header_row(rows, score, minimum=2) is not None


def _format_name(format: str) -> str:
    name = (format or "auto").strip().lower()
    if name in FORMATS or name == "pain.008":
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    if name.startswith("pain.008"):
        return "pain.008"
    if name.startswith("camt.05"):
        return "camt"
    return name


def parse_file(
    data: bytes,
    *,
    filename: str = "",
    format: str = "auto",
    mapping: dict[str, str] | None = None,
) -> BankStatement | Ledger:
    """Read a file in any supported format (detected when `format` is "auto").

    `mapping` (column header → claim field) is for CSV and XLSX only; with one, a text file
    whose headers detection does not know is read as CSV. ParseError when the
    file is too big, in no format we know, or unreadable in its format.
    """
    check_size(len(data), filename)
    name = _format_name(format)
    if name == "auto":
        try:
            name = detect_format(data, filename)
        except ParseError:
            if not mapping or data[:4] == b"PK\x03\x04":
                raise
            name = "csv"  # headers known only through the mapping: the CSV parser decides
    if name == "pain.008":
        raise ParseError(PAIN008_REFUSED, file=filename)
    if name not in _PARSERS:
        raise ParseError(
            f"format inconnu : « {format} » (formats : {', '.join(FORMATS)})", file=filename
        )
    module_name, function_name = _PARSERS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ParseError(f"lecture du format {name} pas encore disponible", file=filename) from exc
    parse = getattr(module, function_name)
    if name in ("csv", "xlsx"):
        result = parse(data, filename=filename, mapping=mapping)
    else:
        result = parse(data, filename=filename)
    drop_out_of_range(result, filename)
    return result
