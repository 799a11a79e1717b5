"""Format detection from the content, and parse_file's dispatching."""

from __future__ import annotations

import importlib
import io
import pkgutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from recouvra.imports.parsers import detect
from recouvra.imports.parsers.detect import PAIN008_REFUSED, detect_format, parse_file
from recouvra.imports.records import BankStatement, Ledger, ParseError

from ..samples import SHARED_SAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
SAMPLES = SHARED_SAMPLES

# sample folder → what detect_format must say
FOLDER_FORMATS = {
    "camt053": "camt",
    "camt054": "camt",
    "cfonb120": "cfonb120",
    "mt940": "mt940",
    "ofx": "ofx",
    "pain008": "pain.008",
    "facturx_pdf": "facturx",
    "cii_xml": "cii",
    "fec": "fec",
}


def sample_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.glob("*/*") if p.is_file())


SAMPLE_FILES = sample_files()
needs_samples = pytest.mark.skipif(not SAMPLE_FILES, reason=f"no samples in {SAMPLES}")


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


# Own fixtures and small snippets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("open_items_utf8_semicolon.csv", "csv"),
        ("open_items_cp1252.csv", "csv"),
        ("fec_small.txt", "fec"),
    ],
)
def test_own_fixtures(name: str, expected: str) -> None:
    data = (DATA / name).read_bytes()
    assert detect_format(data, name) == expected
    # the file name plays no part
    assert detect_format(data, "whatever.pdf") == expected


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["N° facture", "Montant"])
    book.active.append(["F1", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CFONB_01 = "0130003    01234EUR2 01234567890  120124" + " " * 50 + "0000010173118I" + " " * 16
CFONB_07 = "07" + CFONB_01[2:]
assert len(CFONB_01) == 120
CAMT = (
    '<?xml version="1.0"?>\n<!-- a comment <Document> -->\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/>'
    "</Document>"
)
SNIPPETS = {
    "facturx": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "ofx": b"OFXHEADER:100\r\nDATA:OFXSGML\r\n\r\n<OFX><SIGNONMSGSRSV1>",
    "camt": CAMT.encode(),
    "cii": b"\xef\xbb\xbf<?xml version='1.0'?><rsm:CrossIndustryInvoice "
    b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
    "pain.008": b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">'
    b"<CstmrDrctDbtInitn/></Document>",
    "cfonb120": f"{CFONB_01}\r\n{CFONB_07}\r\n".encode(),
    "mt940": b":20:STMT\r\n:25:FR7630003000501234\r\n:28C:1\r\n:60F:C240101EUR100,00\r\n",
    "fec": "|".join(
        ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum")
    ).encode(),
}


@pytest.mark.parametrize("expected", SNIPPETS)
def test_snippets(expected: str) -> None:
    assert detect_format(SNIPPETS[expected]) == expected


def test_xlsx_and_other_zips() -> None:
    assert detect_format(xlsx_bytes(), "a.csv") == "xlsx"
    for names, message in (
        (["content.xml", "mimetype"], "OpenDocument"),
        (["word/document.xml"], "pas un classeur XLSX"),
    ):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in names:
                archive.writestr(name, "x")
        with pytest.raises(ParseError, match=message):
            detect_format(buffer.getvalue())
    with pytest.raises(ParseError, match="ZIP illisible"):
        detect_format(b"PK\x03\x04 cut short")


def test_cfonb_records_run_together() -> None:
    assert detect_format((CFONB_01 + CFONB_07).encode()) == "cfonb120"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "fichier vide"),
        (b"  \r\n\r\n", "fichier vide"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, r"\.xls"),
        (bytes(range(256)) * 4, "format non reconnu"),
        (b"Bonjour,\nceci est une lettre.\n", "format non reconnu"),
        (b"Alpha;Beta\n1;2\n", "format non reconnu"),  # a table, but no invoice columns
        (b"<html><body>Not a statement</body></html>", "racine est « html »"),
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "UBL",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
            "ordres de virement",
        ),
    ],
)
def test_what_is_not_recognised(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        detect_format(data, "upload.bin")
    assert "upload.bin" in str(caught.value)


def test_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert detect.MAX_BYTES == 200 * 1024 * 1024
    monkeypatch.setattr(detect, "MAX_BYTES", 1000)
    data = (DATA / "fec_small.txt").read_bytes()
    assert len(data) > 1000
    for call in (detect_format, parse_file):
        with pytest.raises(ParseError, match="trop volumineux") as caught:
            call(data, filename="big.txt")
        assert "big.txt" in str(caught.value)
    with pytest.raises(ParseError, match="trop volumineux"):
        parse_file(data, filename="big.txt", format="fec")  # even with the format given


# parse_file -------------------------------------------------------------------------------


def test_parse_file_dispatches_to_the_ledger_parsers() -> None:
    fec = parse_file((DATA / "fec_small.txt").read_bytes(), filename="f.txt")
    assert isinstance(fec, Ledger) and fec.format == "fec"
    table = parse_file((DATA / "open_items_cp1252.csv").read_bytes())
    assert table.format == "csv" and len(table.claims) == 4
    sheet = parse_file(xlsx_bytes(), format="xlsx")
    assert (sheet.format, sheet.claims[0].amount_cents) == ("xlsx", 1250)
    mapped = parse_file(b"Doc;Somme\nX;1,00\n", mapping={"Doc": "reference", "Somme": "amount"})
    assert mapped.claims[0].amount_cents == 100


def test_parse_file_with_a_given_or_unknown_format() -> None:
    data = (DATA / "open_items_utf8_semicolon.csv").read_bytes()
    assert parse_file(data, format="CSV").format == "csv"
    with pytest.raises(ParseError, match="en-tête FEC introuvable"):
        parse_file(data, filename="x.csv", format="fec")  # the format given wins
    with pytest.raises(ParseError, match="format inconnu : « qif »"):
        parse_file(data, format="qif")


def test_parse_file_refuses_pain008() -> None:
    with pytest.raises(ParseError, match=PAIN008_REFUSED) as caught:
        parse_file(SNIPPETS["pain.008"], filename="prelevements.xml")
    assert "prelevements.xml" in str(caught.value)
    with pytest.raises(ParseError, match=PAIN008_REFUSED):
        parse_file(b"<x/>", format="pain.008.001.02")


def test_format_names_written_by_the_parsers_are_read_back() -> None:
    # the upload flow stores result.format ("camt.053"...) and reads the file again with it
    assert detect._format_name("camt.053") == "camt"
    assert detect._format_name("camt.054") == "camt"
    assert detect._format_name("pain.008.001.02") == "pain.008"
    assert {detect._format_name(name) for name in detect.FORMATS} == set(detect.FORMATS)


# The real samples -------------------------------------------------------------------------


@needs_samples
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_every_sample_is_detected(path: Path) -> None:
    expected = FOLDER_FORMATS[path.parent.name]
    assert detect_format(path.read_bytes(), "") == expected


@needs_samples
def test_the_samples_cover_every_folder() -> None:
    assert {p.parent.name for p in SAMPLE_FILES} == set(FOLDER_FORMATS)


@needs_samples
@pytest.mark.parametrize(
    "path", [p for p in SAMPLE_FILES if p.parent.name == "pain008"], ids=sample_id
)
def test_pain008_samples_are_refused(path: Path) -> None:
    with pytest.raises(ParseError, match=PAIN008_REFUSED):
        parse_file(path.read_bytes(), filename=path.name)


@needs_samples
@pytest.mark.parametrize(
    "path", [p for p in SAMPLE_FILES if p.parent.name != "pain008"], ids=sample_id
)
def test_every_sample_parses_or_says_why(path: Path) -> None:
    """parse_file reaches the right parser: records of the right kind, or a ParseError."""
    module, _ = detect._PARSERS[FOLDER_FORMATS[path.parent.name]]
    pytest.importorskip(module)
    try:
        result = parse_file(path.read_bytes(), filename=path.name)
    except ParseError as error:
        assert str(error)
        return
    if path.parent.name in {"cii_xml", "facturx_pdf", "fec"}:
        assert isinstance(result, Ledger)
    else:
        assert isinstance(result, BankStatement)


# Pure Python ------------------------------------------------------------------------------


def test_the_parsers_do_not_import_django() -> None:
    import recouvra.imports.parsers as package

    names = [f"recouvra.imports.parsers.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    mine = ["tabular", "ledger_csv", "fec", "detect"]
    assert all(f"recouvra.imports.parsers.{name}" in names for name in mine)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "from recouvra.imports.parsers.detect import parse_file\n"
        "parse_file(b'N\\xc2\\xb0 facture;Montant\\nF1;1,00\\n')\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    importlib.import_module("recouvra.imports.parsers.detect")
