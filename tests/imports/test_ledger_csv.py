"""Open-items files (CSV, XLSX) → Ledger; and the text helpers they rest on."""

from __future__ import annotations

import codecs
import io
from datetime import date, datetime
from pathlib import Path

import pytest

from recouvra.imports.parsers import tabular
from recouvra.imports.parsers.ledger_csv import (
    guess_mapping,
    parse_ledger_csv,
    parse_ledger_xlsx,
    read_table,
)
from recouvra.imports.records import ParseError, RowError

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
UTF8_CSV = "open_items_utf8_semicolon.csv"
CP1252_CSV = "open_items_cp1252.csv"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def csv_ledger(text: str, **kwargs):  # noqa: ANN201
    return parse_ledger_csv(text.encode("utf-8"), filename="test.csv", **kwargs)


# The two fixtures -------------------------------------------------------------------------


def test_utf8_semicolon_file_with_a_title_line_and_one_bad_row() -> None:
    ledger = parse_ledger_csv(fixture(UTF8_CSV), filename=UTF8_CSV)
    assert ledger.format == "csv"
    got = [
        (c.reference, c.issue_date, c.due_date, c.amount_cents, c.debtor_name, c.line_no)
        for c in ledger.claims
    ]
    assert got == [
        ("F2024-001", date(2024, 10, 15), date(2024, 11, 14), 123456, "Dupont SARL", 4),
        ("F2024-002", date(2024, 11, 2), date(2024, 12, 2), 50000, "Martin & Fils; négoce", 5),
        ("AV2024-001", date(2024, 11, 20), date(2024, 11, 20), -15000, "Dupont SARL", 8),
        (  # a two-digit year is 20yy
            "F2024-004",
            date(2024, 11, 28),
            date(2024, 12, 28),
            300000,
            "Société d'Équipement Générale",
            9,
        ),
    ]
    # "Reste dû" wins over "Montant TTC"; SIRET → SIREN; EUR by default
    first = ledger.claims[0]
    assert (first.debtor_siren, first.currency) == ("732829320", "EUR")
    assert ledger.errors == [
        RowError(
            line=6, field="amount_cents", reason="montant illisible : « 12,3,4 »", file=UTF8_CSV
        )
    ]
    assert "ligne 11 : ligne de total ignorée" in ledger.warnings
    assert "1 ligne(s) soldée(s) (montant nul) ignorée(s)" in ledger.warnings


def test_cp1252_tab_file_with_debit_and_credit_columns() -> None:
    data = fixture(CP1252_CSV)
    assert tabular.detect_encoding(data) == "cp1252"  # ’ œ – are 0x92 0x9C 0x96
    ledger = parse_ledger_csv(data, filename=CP1252_CSV)
    got = [
        (c.debtor_account, c.debtor_name, c.reference, c.issue_date, c.due_date, c.amount_cents)
        for c in ledger.claims
    ]
    assert got == [
        ("411LEF", "Boulangerie Lefèvre", "FA-101", date(2025, 1, 3), date(2025, 2, 2), 125000),
        ("411COE", "Cœur d’Artichaut SARL", "FA-102", date(2025, 1, 10), date(2025, 2, 9), 40000),
        ("411ECO", "École Saint-Exupéry", "AV-103", date(2025, 1, 15), date(2025, 2, 14), -7500),
        (
            "411PRE",
            "Prêt-à-Porter Élégance",
            "FA-104",
            date(2025, 1, 20),
            date(2025, 2, 19),
            199999,
        ),
    ]
    assert {c.currency for c in ledger.claims} == {"EUR"}  # "€" too
    assert ledger.errors == []
    assert [c.line_no for c in ledger.claims] == [4, 5, 6, 7]


# Column recognition and mapping -------------------------------------------------------------


def test_guess_mapping_ignores_accents_case_spaces_and_punctuation() -> None:
    headers = [
        "N° FACTURE",
        "date  pièce",
        "Date d’échéance",
        "Montant TTC",
        "Reste dû",
        "Devise",
        "Raison sociale",
        "SIRET",
        "TVA intracom.",
        "Code client",
        "Commentaire",
    ]
    assert guess_mapping(headers) == {
        "N° FACTURE": "reference",
        "date  pièce": "issue_date",
        "Date d’échéance": "due_date",
        "Reste dû": "amount_cents",
        "Devise": "currency",
        "Raison sociale": "debtor_name",
        "SIRET": "debtor_siren",
        "TVA intracom.": "debtor_vat",
        "Code client": "debtor_account",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Invoice", "Due date", "Amount"], ["reference", "due_date", "amount_cents"]),
        (["Pièce", "Date", "Débit", "Crédit"], ["reference", "issue_date", "debit", "credit"]),
        (["Référence", "Solde", "Client", "Compte"], None),
        (["Numéro", "Montant", "Nom", "SIREN"], None),
    ],
)
def test_guess_mapping_variants(headers: list[str], expected: list[str] | None) -> None:
    mapping = guess_mapping(headers)
    assert set(mapping) == set(headers)
    if expected:
        assert [mapping[h] for h in headers] == expected


def test_a_mapping_replaces_the_guess() -> None:
    text = "Doc;Quand;Somme;Tiers;Notes\nX-1;01/02/2024;10,00;Alpha;à relancer\n"
    with pytest.raises(ParseError):
        csv_ledger(text)  # nothing we know
    mapping = {"Doc": "reference", "Quand": "issue_date", "Somme": "amount", "Tiers": "debtor_name"}
    ledger = csv_ledger(text, mapping=mapping)
    claim = ledger.claims[0]
    assert (claim.reference, claim.issue_date, claim.amount_cents, claim.debtor_name) == (
        "X-1",
        date(2024, 2, 1),
        1000,
        "Alpha",
    )


def test_a_column_left_out_of_the_mapping_is_ignored() -> None:
    text = "N° facture;Client;Montant TTC;Reste dû\nF1;Alpha;100,00;40,00\n"
    ledger = csv_ledger(text, mapping={"N° facture": "reference", "Montant TTC": "amount_cents"})
    assert (ledger.claims[0].amount_cents, ledger.claims[0].debtor_name) == (10000, "")


def test_a_mapping_to_an_unknown_field_is_refused() -> None:
    with pytest.raises(ParseError, match="champ inconnu"):
        csv_ledger("A;B\n1;2\n", mapping={"A": "reference", "B": "montant_ht"})


def test_no_recognisable_header_names_the_file_and_lists_the_columns() -> None:
    with pytest.raises(ParseError) as caught:
        parse_ledger_csv(b"Alpha;Beta;Gamma\n1;2;3\n", filename="export.csv")
    message = str(caught.value)
    assert "export.csv" in message
    assert "« Alpha », « Beta », « Gamma »" in message


def test_a_header_without_an_amount_column_is_refused() -> None:
    with pytest.raises(ParseError, match="colonne obligatoire absente : montant"):
        csv_ledger("N° facture;Date;Client\nF1;01/01/2024;Alpha\n")


def test_read_table_for_the_mapping_preview() -> None:
    headers, rows = read_table(fixture(UTF8_CSV), UTF8_CSV)
    assert headers[0] == "N° facture" and headers[-1] == "Reste dû"
    assert rows[0][:2] == ["F2024-001", "15/10/2024"]
    assert len(rows) == 7  # blank rows left out, the total row kept
    # a file whose columns we do not know: its first row, for the user to map
    headers, rows = read_table(b"Doc;Somme\nX;1\n", "x.csv")
    assert (headers, rows) == (["Doc", "Somme"], [["X", "1"]])
    assert read_table(b"", "empty.csv") == ([], [])


# Rows that cannot be read -----------------------------------------------------------------


def test_bad_rows_become_row_errors_and_the_others_are_kept() -> None:
    text = (
        "Référence;Date;Échéance;Montant;Devise\n"
        "A1;01/02/2024;01/03/2024;100,00;EUR\n"
        ";01/02/2024;01/03/2024;5,00;EUR\n"
        "A2;31/02/2024;01/03/2024;5,00;EUR\n"
        "A3;01/02/2024;demain;5,00;EUR\n"
        "A4;01/02/2024;;;EUR\n"
        "A5;01/02/2024;;12,345;EUR\n"
        "A6;01/02/2024;;5,00;EURO€\n"
        "A1;02/02/2024;;7,00;EUR\n"
        "A7;2024-02-01;;1.234,50;usd\n"
    )
    ledger = csv_ledger(text)
    assert [(c.reference, c.amount_cents, c.currency) for c in ledger.claims] == [
        ("A1", 10000, "EUR"),
        ("A7", 123450, "USD"),
    ]
    assert [(e.line, e.field, e.reason) for e in ledger.errors] == [
        (3, "reference", "référence manquante"),
        (4, "issue_date", "date illisible : « 31/02/2024 »"),
        (5, "due_date", "date illisible : « demain »"),
        (6, "amount_cents", "montant manquant"),
        (7, "amount_cents", "montant illisible : « 12,345 »"),
        (8, "currency", "devise illisible : « EURO€ »"),
        (9, "reference", "référence en double : « A1 » (déjà ligne 2)"),
    ]
    assert {e.file for e in ledger.errors} == {"test.csv"}


def test_duplicate_references_keep_the_first() -> None:
    ledger = csv_ledger("N° facture;Montant\nF1;10,00\nF2;20,00\nF1;30,00\n")
    assert [(c.reference, c.amount_cents) for c in ledger.claims] == [("F1", 1000), ("F2", 2000)]
    assert [(e.line, e.field) for e in ledger.errors] == [(4, "reference")]


def test_debit_credit_errors_and_siren_warnings() -> None:
    text = "Pièce;Débit;Crédit;SIREN\nP1;;;\nP2;abc;;\nP3;10,00;;12 34\nP4;10,00;2,50;732829320\n"
    ledger = csv_ledger(text)
    assert [(e.line, e.reason) for e in ledger.errors] == [
        (2, "montant manquant (ni débit ni crédit)"),
        (3, "débit illisible : « abc »"),
    ]
    assert [(c.reference, c.amount_cents, c.debtor_siren) for c in ledger.claims] == [
        ("P3", 1000, ""),
        ("P4", 750, "732829320"),
    ]
    assert ledger.warnings == ["ligne 4 : SIREN/SIRET illisible « 12 34 », laissé vide"]


def test_a_truncated_file_keeps_the_complete_rows() -> None:
    data = fixture(UTF8_CSV)
    cut = data[: data.index(b"F2024-004") + 20]  # stops inside a row, after its dates
    ledger = parse_ledger_csv(cut, filename="cut.csv")
    assert [c.reference for c in ledger.claims] == ["F2024-001", "F2024-002", "AV2024-001"]
    assert ledger.errors[-1].line == 9
    assert ledger.errors[-1].field in ("amount_cents", "due_date")


def test_binary_data_is_refused() -> None:
    with pytest.raises(ParseError, match="binaire"):
        parse_ledger_csv(bytes(range(256)) * 10, filename="x.bin")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),  # Excel "CSV UTF-8"
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),  # Excel "Texte Unicode"
        lambda text: text.encode("utf-16-le"),  # same, BOM lost
        lambda text: text.encode("iso-8859-15"),
        lambda text: text.encode("cp1252"),
    ],
)
def test_every_encoding_gives_the_same_claims(encode) -> None:  # noqa: ANN001
    text = "Réf.\tClient\tMontant\r\nF-1\tŒuvre & Cœur €\t1 000,00\r\n"
    ledger = parse_ledger_csv(encode(text), filename="enc.csv")
    assert [(c.reference, c.debtor_name, c.amount_cents) for c in ledger.claims] == [
        ("F-1", "Œuvre & Cœur €", 100000)
    ]


def test_comma_separated_with_quoted_french_amounts() -> None:
    ledger = csv_ledger('Invoice,Customer,Amount\n"F,1","Dupont, Durand","1 234,56"\n')
    assert [(c.reference, c.debtor_name, c.amount_cents) for c in ledger.claims] == [
        ("F,1", "Dupont, Durand", 123456)
    ]


# XLSX -------------------------------------------------------------------------------------


def make_xlsx(rows: list[list[object]], *, title: str | None = "Balance âgée") -> bytes:
    """An XLSX built at test time (no binary in the repository)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_ROWS: list[list[object]] = [
    ["N° facture", "Date facture", "Échéance", "Client", "SIRET", "Reste dû"],
    [1001, datetime(2024, 10, 15), datetime(2024, 11, 14), "Dupont SARL", 73282932000074, 1234.56],
    ["F-1002", "02/11/2024", "2024-12-02", "Martin", None, "1 500,00"],
    ["F-1003", datetime(2024, 11, 5), None, "Lefèvre", None, 0.1 + 0.2],
    [None, None, None, None, None, None],
    ["F-1004", "31/11/2024", None, "Erreur", None, 10],
    ["F-1005", 45627, None, "Serial", None, -42],
    ["F-1006", datetime(2024, 12, 1), None, "Arrondi", None, 2.675],
]


def test_xlsx_with_typed_cells() -> None:
    ledger = parse_ledger_xlsx(make_xlsx(XLSX_ROWS), filename="balance.xlsx")
    assert ledger.format == "xlsx"
    got = [
        (c.reference, c.issue_date, c.due_date, c.amount_cents, c.line_no) for c in ledger.claims
    ]
    assert got == [
        ("1001", date(2024, 10, 15), date(2024, 11, 14), 123456, 4),  # float cell 1234.56
        ("F-1002", date(2024, 11, 2), date(2024, 12, 2), 150000, 5),
        ("F-1003", date(2024, 11, 5), None, 30, 6),  # 0.30000000000000004 → 30 cents
        ("F-1005", date(2024, 12, 1), None, -4200, 9),  # Excel serial day 45627
        ("F-1006", date(2024, 12, 1), None, 268, 10),  # repr "2.675" → 2.68, half up
    ]
    assert ledger.claims[0].debtor_siren == "732829320"
    assert [(e.line, e.field, e.reason) for e in ledger.errors] == [
        (8, "issue_date", "date illisible : « 31/11/2024 »")
    ]


def test_xlsx_header_on_a_later_sheet_and_read_table() -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Notes"])
    sheet = book.create_sheet("Factures")
    for row in XLSX_ROWS[:3]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert [c.reference for c in parse_ledger_xlsx(data).claims] == ["1001", "F-1002"]
    headers, rows = read_table(data, "b.xlsx")
    assert headers == XLSX_ROWS[0]
    assert rows[0][:3] == ["1001", "2024-10-15", "2024-11-14"]


def test_xlsx_that_is_not_a_workbook() -> None:
    with pytest.raises(ParseError, match="XLSX illisible"):
        parse_ledger_xlsx(b"PK\x03\x04 truncated", filename="cut.xlsx")
    with pytest.raises(ParseError, match="aucune ligne d'en-tête"):
        parse_ledger_xlsx(make_xlsx([["a", "b"], [1, 2]], title=None), filename="x.xlsx")


# tabular ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"plain ascii", "utf-8"),
        ("é".encode(), "utf-8"),
        (codecs.BOM_UTF8 + b"x", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "x".encode("utf-16-le"), "utf-16"),
        ("abc;déf".encode("utf-16-le"), "utf-16-le"),
        ("abc;déf".encode("utf-16-be"), "utf-16-be"),
        ("Lefèvre".encode("latin-1"), "iso-8859-15"),
        ("5 € et œuf".encode("iso-8859-15"), "iso-8859-15"),
        ("5 € et œuf".encode("cp1252"), "cp1252"),
        ("l’été".encode("cp1252"), "cp1252"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert tabular.detect_encoding(data) == encoding


def test_detect_encoding_of_a_cut_head_and_of_binary() -> None:
    head = "éé".encode()[:-1]  # a UTF-8 sequence cut at the end
    assert tabular.detect_encoding(head, partial=True) == "utf-8"
    assert tabular.detect_encoding(head) == "iso-8859-15"
    with pytest.raises(tabular.EncodingError):
        tabular.detect_encoding(b"\x00\x01\x02\x00\x00\x00\xff" * 20)
    # the 5 bytes cp1252 leaves undefined do not fail the file
    assert tabular.decode(b"a\x81\x92b") == ("a\ufffd’b", "cp1252")


@pytest.mark.parametrize(
    ("lines", "separator"),
    [
        (["Titre du rapport", "a;b;c", "1 234,56;2,5;x", "1;2;3"], ";"),
        (["a\tb\tc", "1,5\t2,5\t3,5"], "\t"),
        (["a,b,c", '"1;2",x,"3,4"', "5,6,7"], ","),
        (["a|b|c", "1|2|3"], "|"),
        (['ref;"libellé; avec; points-virgules";montant', "1;x;2"], ";"),
        (["no separator here"], ""),
    ],
)
def test_detect_separator(lines: list[str], separator: str) -> None:
    assert tabular.detect_separator(lines) == separator


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/10/2024", date(2024, 10, 15)),
        ("5/3/2024", date(2024, 3, 5)),
        ("15-10-2024", date(2024, 10, 15)),
        ("15.10.2024", date(2024, 10, 15)),
        ("15/10/24", date(2024, 10, 15)),
        ("2024-10-15", date(2024, 10, 15)),
        ("2024-10-15 00:00:00", date(2024, 10, 15)),
        ("2024-10-15T08:30", date(2024, 10, 15)),
        (" 20241015 ", date(2024, 10, 15)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert tabular.parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "31/02/2024", "2024/10/15", "15/10", "1510202", "demain"])
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(tabular.DateError):
        tabular.parse_date(text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,56", 123456),
        ("1\u202f234,56 €", 123456),
        ("-12,00", -1200),
        ("12,00-", -1200),
        ("1.234,56", 123456),
        ("1234.56", 123456),
        ("1234,56 EUR", 123456),
        ("(12,50)", -1250),
        ("0000000074,70", 7470),
        ("7", 700),
    ],
)
def test_parse_cents(text: str, cents: int) -> None:
    assert tabular.parse_cents(text) == cents


@pytest.mark.parametrize("text", ["", "12,3,4", "12,345", "(-5,00)", "abc", "1e3"])
def test_parse_cents_refuses(text: str) -> None:
    with pytest.raises(tabular.AmountError):
        tabular.parse_cents(text)


def test_find_header_row_skips_title_lines() -> None:
    rows = [["Balance"], [], ["x", "Montant"], ["N° facture", "Montant"], ["F1", "1"]]

    def score(row: list[str]) -> int:
        return sum(tabular.normalize_header(cell) in {"nfacture", "montant"} for cell in row)

    assert tabular.find_header_row(rows, score) == 3
    assert tabular.find_header_row(rows, score, minimum=3) is None
