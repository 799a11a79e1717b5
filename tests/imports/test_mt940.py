"""MT940 statement parser: own fixtures, bad input, and the shared real samples."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers._text import decimal_to_cents, normalize_iban, scaled_to_cents
from recouvra.imports.parsers.mt940 import parse_mt940
from recouvra.imports.records import ParseError

from ..samples import sample_dir, sample_files

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
SAMPLES = sample_dir("mt940")
FIXTURE = DATA / "mt940_small.sta"


def _small() -> bytes:
    return FIXTURE.read_bytes()


def _statement(*body: str, opening: str = "C240101EUR0,00", closing: str = "") -> bytes:
    lines = [":20:REF", ":25:ACCOUNT1", ":28C:1/1", f":60F:{opening}", *body]
    if closing:
        lines.append(f":62F:{closing}")
    lines.append("-")
    return "\n".join(lines).encode()


# --- own fixture ---------------------------------------------------------------------------


def test_small_fixture_statements():
    statement = parse_mt940(_small(), filename="mt940_small.sta")
    assert statement.format == "mt940"
    assert statement.errors == []
    assert statement.warnings == []
    first, second = statement.accounts
    assert first.iban == "FR7630006000011234567890189"
    assert first.account == ""
    assert first.currency == "EUR"
    assert (first.opening_balance_cents, first.closing_balance_cents) == (100000, 120001)
    assert (first.opening_date, first.closing_date) == (date(2024, 3, 1), date(2024, 3, 5))
    assert first.balanced is True
    assert second.iban == ""
    assert second.account == "12345678/0009876543"
    assert (second.opening_balance_cents, second.closing_balance_cents) == (-1000, 0)
    assert second.balanced is True


def test_small_fixture_german_structured_86():
    credit = parse_mt940(_small()).accounts[0].lines[0]
    assert credit.amount_cents == 25000  # "CR": credit, funds code R
    assert credit.booking_date == credit.value_date == date(2024, 3, 4)
    assert credit.end_to_end_id == "E2E-F2024-001"
    assert credit.counterparty_name == "DUPONT SARL"
    assert credit.counterparty_iban == "DE89370400440532013000"  # ?31 wrapped over two lines
    assert "FACTURE F2024-001" in credit.label
    assert credit.reference == "BANKREF0001"  # NONREF: the bank reference
    assert credit.line_no == 6


def test_small_fixture_dutch_structured_86_and_supplementary_details():
    debit = parse_mt940(_small()).accounts[0].lines[1]
    assert debit.amount_cents == -4999
    assert debit.booking_date == date(2024, 3, 5)  # no entry date: the value date
    assert debit.end_to_end_id == "E2E-X"
    assert debit.mandate_reference == "MANDATE-42"
    assert debit.counterparty_iban == "NL91ABNA0417164300"
    assert debit.counterparty_name == "EDF SA"
    assert debit.label == "ELECTRICITE MARS"
    reversal = parse_mt940(_small()).accounts[1].lines[0]
    assert reversal.amount_cents == 1000  # RD: reversal of a debit brings money in
    assert reversal.label == "Reversal of a debit"  # supplementary details, no :86:


@pytest.mark.parametrize(
    ("mark", "cents"),
    [("C", 1234), ("D", -1234), ("RC", -1234), ("RD", 1234), ("CR", 1234), ("DR", -1234)],
)
def test_debit_credit_marks(mark, cents):
    closing = f"{'C' if cents > 0 else 'D'}240102EUR12,34"
    data = _statement(f":61:240102{mark}12,34NTRFNONREF", closing=closing)
    (line,) = parse_mt940(data).accounts[0].lines
    assert line.amount_cents == cents


def test_entry_date_rolls_over_the_year():
    data = _statement(
        ":61:2312310102C1,00NTRFNONREF",
        ":61:2401021231D1,00NTRFNONREF",
        closing="C240102EUR0,00",
    )
    first, second = parse_mt940(data).accounts[0].lines
    assert (first.value_date, first.booking_date) == (date(2023, 12, 31), date(2024, 1, 2))
    assert (second.value_date, second.booking_date) == (date(2024, 1, 2), date(2023, 12, 31))


def test_amounts_with_comma_decimals():
    data = _statement(
        ":61:240102C9,NTRFNONREF",
        ":61:240102C0,4NTRFNONREF",
        ":61:240102D1234567,89NTRFNONREF",
        closing="D240102EUR1234558,49",
    )
    account = parse_mt940(data).accounts[0]
    assert [line.amount_cents for line in account.lines] == [900, 40, -123456789]
    assert account.closing_balance_cents == -123455849
    assert account.balanced is True


def test_intermediate_balances_give_one_statement_each():
    data = b"\n".join(
        [
            b":20:A",
            b":25:ACC",
            b":28C:1/1",
            b":60F:C240101EUR10,00",
            b":61:240101C5,00NTRFNONREF",
            b":62M:C240101EUR15,00",
            b":20:A",
            b":25:ACC",
            b":28C:1/2",
            b":60M:C240101EUR15,00",
            b":61:240101D1,00NTRFNONREF",
            b":62F:C240101EUR14,00",
            b"-",
        ]
    )
    statement = parse_mt940(data)
    assert [
        (a.account, a.opening_balance_cents, a.closing_balance_cents) for a in statement.accounts
    ] == [
        ("ACC", 1000, 1500),
        ("ACC", 1500, 1400),
    ]


def test_control_characters_and_latin1():
    data = (
        b"\x01\r\n"
        + _statement(":61:240102C1,00NTRFNONREF", ":86:Caf\xe9 cr\xe8me", closing="C240102EUR1,00")
        + b"\x03"
    )
    statement = parse_mt940(data)
    (line,) = statement.accounts[0].lines
    assert line.label == "Café crème"


def test_lone_dash_inside_86_is_text():
    data = _statement(
        ":61:240102C1,00NTRFNONREF",
        ":86:/EREF/AB",
        "-",
        "CD//REMI/USTD//HELLO/",
        closing="C240102EUR1,00",
    )
    (line,) = parse_mt940(data).accounts[0].lines
    assert line.end_to_end_id == "AB-CD"
    assert line.label == "HELLO"


# --- shared helpers (recouvra.imports.parsers._text) --------------------------------------


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("300,", ",", (30000, True)),
        ("0,4", ",", (40, True)),
        ("-33.3", ".", (-3330, True)),
        ("+500.00", ".", (50000, True)),
        (".5", ".", (50, True)),
        ("12.345", ".", (1234, False)),
        ("12.355", ".", (1236, False)),
        ("0.125", ".", (12, False)),
        ("99999999999999999.99", ".", (9999999999999999999, True)),
    ],
)
def test_decimal_to_cents(text, separator, expected):
    assert decimal_to_cents(text, separator) == expected


@pytest.mark.parametrize("text", ["", "-", ".", "$120", "1,234.56", "1e3", "12 3", "١٢"])
def test_decimal_to_cents_rejects(text):
    with pytest.raises(ValueError):
        decimal_to_cents(text)


def test_scaled_to_cents():
    assert scaled_to_cents("12345", 2) == (12345, True)
    assert scaled_to_cents("12345", 3) == (1234, False)
    assert scaled_to_cents("12", 0) == (1200, True)
    with pytest.raises(ValueError):
        scaled_to_cents("12a", 2)


def test_normalize_iban():
    assert normalize_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert normalize_iban("NL91ABNA0417164300EUR") == "NL91ABNA0417164300"
    assert normalize_iban("FR7630006000011234567890188") == ""  # bad check digits
    assert normalize_iban("50880050/0194774600888") == ""


# --- bad input -----------------------------------------------------------------------------


def test_bad_amount_gives_row_error_and_keeps_other_lines():
    data = _small().replace(b":61:240305D49,99", b":61:240305D49.99")
    statement = parse_mt940(data, filename="mt940_small.sta")
    (error,) = statement.errors
    assert (error.line, error.field, error.file) == (9, "61", "mt940_small.sta")
    assert "montant" in error.reason
    account = statement.accounts[0]
    assert [line.amount_cents for line in account.lines] == [25000]
    # the :86: of the skipped line does not land on another line
    assert account.lines[0].end_to_end_id == "E2E-F2024-001"
    assert account.balance_gap_cents == 4999


def test_bad_balance_gives_row_error():
    data = _small().replace(b":60F:C240301EUR1000,00", b":60F:C240301EUR1O00,00")
    statement = parse_mt940(data, filename="f.sta")
    (error,) = statement.errors
    assert (error.line, error.field) == (5, "60F")
    assert statement.accounts[0].opening_balance_cents is None
    assert statement.accounts[0].balanced is None


def test_truncated_file():
    data = _small()
    cut = data[: data.index(b":62F:C240305")]
    with pytest.raises(ParseError) as caught:
        parse_mt940(cut, filename="mt940_small.sta")
    message = str(caught.value)
    assert "mt940_small.sta, ligne 12" in message  # its last line
    assert "tronqué" in message
    assert "ligne 2" in message  # where the unfinished statement starts


def test_statement_without_closing_balance_before_the_next_one():
    data = _small().replace(b":62F:C240305EUR1200,01\n", b"")
    statement = parse_mt940(data, filename="f.sta")
    assert statement.accounts[0].closing_balance_cents is None
    assert any("n'a pas de solde de clôture" in warning for warning in statement.warnings)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        random.Random(940).randbytes(3000),
        b"0130003    01234EUR2 01234567890  120124" + b" " * 80,
    ],
    ids=["pdf", "random", "cfonb"],
)
def test_wrong_format(data):
    with pytest.raises(ParseError) as caught:
        parse_mt940(data, filename="upload.bin")
    assert caught.value.file == "upload.bin"
    assert caught.value.line is not None
    assert str(caught.value).startswith("upload.bin, ligne ")
    assert "pas un relevé MT940" in str(caught.value)


# --- real samples (/work/shared/samples, beside the repository) ----------------------------

# From PROVENANCE.tsv notes, checked against the files. One StatementAccount per
# :20:...:62: statement; "accounts" counts distinct accounts; per statement
# (opening, closing, gap = opening + credits - debits - closing) in cents.
EXPECTED: dict[str, dict] = {
    # RC (reversal of credit) read as a debit: the only reading under which all balance
    "betterplace_sepa_de_many_statements.sta": {
        "statements": 26,
        "accounts": 20,
        "lines": 97,
        "gaps": [0] * 26,
        "credits": 518888470 - 2 * 20488,
        "debits": 1445720108 + 2 * 20488,
    },
    "cmxl_three_statements_dem_eur_pln.sta": {
        "statements": 3,
        "accounts": 3,
        "lines": 16,
        "balances": [(8434974, 8443704, 0), (218795, 438795, 0), (4000000, 5004000, 0)],
        "currencies": ["DEM", "EUR", "PLN"],
    },
    # stmt 1 off by +203800, stmt 2 by +100260; 876.84 -> next opening 2876.84
    "jejik_abnamro_two_statements_60M_62M.sta": {
        "statements": 2,
        "accounts": 1,
        "lines": 10,
        "balances": [(323628, 87684, 203800), (287684, 184975, 100260)],
        "overall_gap": 104060,
    },
    "jejik_ing_nl_old_header_86_after_62F.sta": {
        "statements": 1,
        "accounts": 1,
        "lines": 7,
        "balances": [(0, 347, -4906)],
    },
    "mbank_pl_soh_etx_control_chars.sta": {
        "statements": 1,
        "accounts": 1,
        "lines": 3,
        "balances": [(40, 43, 0)],
        "iban": "PL29114010810000267002001002",
    },
    "oca_ing_nl_structured_86_dash_line.940": {
        "statements": 1,
        "accounts": 1,
        "lines": 8,
        "balances": [(66223, 56435, 0)],
        "credits": 3658,
        "debits": 13446,
    },
    "oca_ro_bcr_unbalanced.sta": {
        "statements": 1,
        "accounts": 1,
        "lines": 4,
        "balances": [(100000, 0, -24184222)],
        "iban": "RO48RNCB0090000506460001",
    },
    "sberbank_hu_crlf_ns_fields.sta": {
        "statements": 1,
        "accounts": 1,
        "lines": 3,
        "balances": [(62731130, 61787430, 0)],
        "currencies": ["HUF"],
    },
}


@pytest.mark.parametrize("path", sample_files("mt940"))
def test_real_sample(path):
    assert path.name in EXPECTED, f"new sample {path.name}: add its figures to EXPECTED"
    expected = EXPECTED[path.name]
    statement = parse_mt940(path.read_bytes(), filename=path.name)
    accounts = statement.accounts
    assert statement.errors == []
    assert len(accounts) == expected["statements"]
    assert len({(a.iban or a.account, a.currency) for a in accounts}) == expected["accounts"]
    assert sum(len(a.lines) for a in accounts) == expected["lines"]
    if "balances" in expected:
        assert [
            (a.opening_balance_cents, a.closing_balance_cents, a.balance_gap_cents)
            for a in accounts
        ] == expected["balances"]
    if "gaps" in expected:
        assert [a.balance_gap_cents for a in accounts] == expected["gaps"]
    if "credits" in expected:
        assert sum(a.credits_cents for a in accounts) == expected["credits"]
        assert sum(a.debits_cents for a in accounts) == expected["debits"]
    if "currencies" in expected:
        assert [a.currency for a in accounts] == expected["currencies"]
    if "iban" in expected:
        assert accounts[0].iban == expected["iban"]
    if "overall_gap" in expected:
        total = sum(line.amount_cents for a in accounts for line in a.lines)
        overall = accounts[0].opening_balance_cents + total - accounts[-1].closing_balance_cents
        assert overall == expected["overall_gap"]
    for account in accounts:
        assert account.opening_date is not None and account.closing_date is not None
        for line in account.lines:
            assert isinstance(line.amount_cents, int)
            assert line.line_no is not None


def test_real_sample_ing_structured_details():
    path = SAMPLES / "oca_ing_nl_structured_86_dash_line.940"
    if not path.is_file():
        pytest.skip(f"no samples at {SAMPLES}")
    lines = parse_mt940(path.read_bytes(), filename=path.name).accounts[0].lines
    assert lines[0].end_to_end_id == "EV12341REP1231456T1234"
    assert lines[0].counterparty_name == "ING BANK NV INZAKE WEB"
    assert lines[3].mandate_reference == "MND-EV01"  # wrapped around a lone "-" line
    assert lines[5].label == "CONTRIBUTIE FEB 2014"
    assert lines[6].reference == "9001123412341234"  # /REMI/STRD/CUR/
