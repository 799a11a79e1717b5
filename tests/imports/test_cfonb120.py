"""CFONB 120 statement parser: own fixtures, bad input, and the shared real samples."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers.cfonb120 import parse_cfonb120
from recouvra.imports.records import ParseError

from ..samples import sample_dir, sample_files

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
SAMPLES = sample_dir("cfonb120")
FIXTURE = DATA / "cfonb_small.txt"


def _small() -> bytes:
    return FIXTURE.read_bytes()


def _amount_field(cents: int) -> str:
    digits = f"{abs(cents):014d}"
    last = int(digits[-1])
    return digits[:-1] + ("{ABCDEFGHI"[last] if cents >= 0 else "}JKLMNOPQR"[last])


def _balance(code: str, cents: int, *, bank: str = "30003", account: str = "00012345678") -> str:
    return (f"{code}{bank}    01234EUR2 {account}  150324".ljust(90) + _amount_field(cents)).ljust(
        120
    )


def _movement(cents: int, label: str = "VIR TEST", *, day: str = "150324") -> str:
    record = f"0430003000501234EUR2 0001234567805{day}  {day}{label:31}" + " " * 11
    return (record + _amount_field(cents)).ljust(120)


# --- own fixture ---------------------------------------------------------------------------


def test_small_fixture_two_banks_same_account_number():
    statement = parse_cfonb120(_small(), filename="cfonb_small.txt")
    assert statement.format == "cfonb120"
    assert statement.errors == []
    assert statement.warnings == []
    first, second = statement.accounts
    # same account number at two banks: two accounts, not one
    assert first.account == "12345 00001 00098765432"
    assert second.account == "54321 00002 00098765432"
    assert first.iban == second.iban == ""
    assert first.currency == "EUR"
    assert (first.opening_balance_cents, first.closing_balance_cents) == (100000, 120001)
    assert (first.opening_date, first.closing_date) == (date(2024, 3, 1), date(2024, 3, 5))
    assert first.balanced is True
    assert (second.opening_balance_cents, second.closing_balance_cents) == (-1000, 0)
    assert second.balanced is True


def test_small_fixture_movements_and_complements():
    statement = parse_cfonb120(_small(), filename="cfonb_small.txt")
    credit, debit = statement.accounts[0].lines
    assert credit.amount_cents == 25000
    assert credit.booking_date == credit.value_date == date(2024, 3, 4)
    assert credit.label == "VIR SEPA DUPONT SARL FACTURE F2024-001"
    assert credit.counterparty_name == "DUPONT SARL"  # NPY: the payer of a credit
    assert credit.reference == credit.end_to_end_id == "E2E-F2024-001"  # RCN
    assert credit.line_no == 2
    assert debit.amount_cents == -4999
    assert debit.counterparty_name == "EDF"  # NBE: the beneficiary of a debit
    assert debit.mandate_reference == "MANDATE-42"  # RUM, without the sequence type
    assert debit.line_no == 6
    (other,) = statement.accounts[1].lines
    assert other.value_date == date(2024, 3, 1)
    assert other.booking_date == date(2024, 3, 2)
    assert other.line_no == 11


@pytest.mark.parametrize("separator", [b"\n", b"\r", b"", b"mixed"])
def test_record_separators(separator):
    records = _small().split(b"\r\n")[:-1]
    if separator == b"mixed":
        data = b"".join(rec + (b"\r\n" if n % 2 else b"\n") for n, rec in enumerate(records))
    else:
        data = separator.join(records)
    statement = parse_cfonb120(data, filename="x.txt")
    assert [len(a.lines) for a in statement.accounts] == [2, 1]
    assert [a.balanced for a in statement.accounts] == [True, True]
    assert [line.line_no for line in statement.accounts[0].lines] == [2, 6]
    assert statement.warnings == []


def test_trailing_blanks_stripped_records_are_padded():
    data = b"\n".join(rec.rstrip() for rec in _small().split(b"\r\n"))
    statement = parse_cfonb120(data, filename="x.txt")
    assert [a.balanced for a in statement.accounts] == [True, True]
    assert statement.accounts[0].lines[0].counterparty_name == "DUPONT SARL"
    assert any("enregistrement 3 :" in warning for warning in statement.warnings)


def test_many_short_records_warnings_are_capped():
    lines = [_balance("01", 0)] + [_movement(100).rstrip()] * 60 + [_balance("07", 6000)]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="x.txt")
    assert statement.accounts[0].balanced is True
    assert len(statement.warnings) == 21
    assert (
        "40 autres avertissements (enregistrements de mauvaise longueur)" in statement.warnings[-1]
    )


def test_sign_characters_and_decimals():
    lines = [_balance("01", 0)]
    expected = []
    for cents in (0, 1, 12, 123, 9, -1, -10, -98765, -4, 100000000):
        lines.append(_movement(cents))
        expected.append(cents)
    lines.append(_balance("07", sum(expected)))
    statement = parse_cfonb120("\n".join(lines).encode(), filename="x.txt")
    assert [line.amount_cents for line in statement.accounts[0].lines] == expected
    assert statement.accounts[0].balanced is True


def test_decimals_digit_is_honoured():
    zero = _balance("01", 0).replace("EUR2", "EUR0")
    movement = _movement(125).replace("EUR2", "EUR0")  # 125 units with 0 decimals
    close = _balance("07", 125).replace("EUR2", "EUR0")
    statement = parse_cfonb120("\n".join([zero, movement, close]).encode())
    (line,) = statement.accounts[0].lines
    assert line.amount_cents == 12500
    assert statement.accounts[0].closing_balance_cents == 12500


def test_three_decimals_are_rounded_with_a_warning():
    lines = [
        _balance("01", 1905).replace("EUR2", "EUR3"),  # 1.905 EUR
        _movement(-1000).replace("EUR2", "EUR3"),
        _balance("07", 905).replace("EUR2", "EUR3"),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="x.txt")
    account = statement.accounts[0]
    assert account.opening_balance_cents == 190  # 190.5 cents, half to even
    assert account.lines[0].amount_cents == -100
    assert any("plus de 2 décimales" in warning for warning in statement.warnings)


def test_statement_not_closed_before_next_one():
    lines = [
        _balance("01", 0, bank="11111"),
        _movement(500),  # bank 30003: not the open statement's account
        _balance("01", 1000, bank="22222"),
        _balance("07", 1000, bank="22222"),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="x.txt")
    assert any("hors de tout relevé" in warning for warning in statement.warnings)
    assert any("n'a pas de nouveau solde (07)" in warning for warning in statement.warnings)
    assert len(statement.accounts) == 3


def test_several_days_of_one_account_are_several_statements():
    lines = [
        _balance("01", 0),
        _movement(1000),
        _balance("07", 1000),
        _balance("01", 1000),
        _movement(-300),
        _balance("07", 700),
    ]
    statement = parse_cfonb120("\n".join(lines).encode())
    assert [a.account for a in statement.accounts] == ["30003 01234 00012345678"] * 2
    assert [(a.opening_balance_cents, a.closing_balance_cents) for a in statement.accounts] == [
        (0, 1000),
        (1000, 700),
    ]


def _blank_format(record: str) -> str:
    """The record with positions 17-20 (currency, number of decimals) left blank."""
    return record[:16] + "    " + record[20:]


def _in(record: str, currency: str, decimals: str) -> str:
    return record[:16] + currency + decimals + record[20:]


def test_it_pairs_balances_with_blank_currency_and_decimals_on_the_movements_account():
    lines = [
        _blank_format(_balance("01", -12345)),
        _movement(100000),
        _movement(-2999),
        _blank_format(_balance("07", -12345 + 100000 - 2999)),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="blank.txt")
    assert statement.errors == []
    (account,) = statement.accounts
    assert (account.account, account.currency) == ("30003 01234 00012345678", "EUR")
    assert (account.opening_balance_cents, account.closing_balance_cents) == (-12345, 84656)
    assert account.balanced is True
    assert statement.warnings == []


def test_it_takes_the_number_of_decimals_of_a_blank_balance_from_the_movements():
    # 3 decimals on the 04 records: the balance digits 0000000012345 + "E" are 123.455 EUR
    lines = [
        _blank_format(_balance("01", 123455)),
        _in(_movement(-1000), "EUR", "3"),  # -1.000 EUR
        _blank_format(_balance("07", 122455)),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="blank.txt")
    (account,) = statement.accounts
    assert account.opening_balance_cents == 12346  # 123.455 rounded half to even: 123.46
    assert account.closing_balance_cents == 12246  # 122.455 -> 122.46
    assert account.lines[0].amount_cents == -100
    assert account.balanced is True


def test_it_reads_blank_balances_of_several_accounts_each_in_its_own_currency():
    usd_open = _balance("01", 5000, account="00099999999")
    usd_move = _in(_movement(-2500), "USD", "2").replace("00012345678", "00099999999")
    usd_close = _balance("07", 2500, account="00099999999")
    lines = [
        _blank_format(_balance("01", 0)),
        _movement(700),
        _blank_format(_balance("07", 700)),
        _blank_format(usd_open),
        usd_move,
        _blank_format(usd_close),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="two.txt")
    assert [(a.currency, a.balanced) for a in statement.accounts] == [("EUR", True), ("USD", True)]
    assert [a.closing_balance_cents for a in statement.accounts] == [700, 2500]


def test_it_takes_the_format_from_the_accounts_other_days_when_a_day_has_no_movement():
    lines = [
        _blank_format(_balance("01", 1000)),
        _blank_format(_balance("07", 1000)),
        _blank_format(_balance("01", 1000)),
        _in(_movement(250), "EUR", "1"),  # 1 decimal: 25.0 EUR
        _blank_format(_balance("07", 1250)),  # 125.0 EUR with 1 decimal
    ]
    statement = parse_cfonb120("\n".join(lines).encode())
    assert [(a.opening_balance_cents, a.closing_balance_cents) for a in statement.accounts] == [
        (10000, 10000),
        (10000, 12500),
    ]
    assert all(a.balanced for a in statement.accounts)


def test_it_assumes_euros_with_two_decimals_for_blank_balances_without_any_movement():
    lines = [_blank_format(_balance("01", 1669565)), _blank_format(_balance("07", 1669565))]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="solde.txt")
    (account,) = statement.accounts
    assert (account.currency, account.opening_balance_cents) == ("EUR", 1669565)
    assert account.balanced is True
    assert any("EUR avec 2 décimales retenus" in warning for warning in statement.warnings)


def test_it_refuses_a_blank_balance_currency_when_the_movements_have_two():
    lines = [
        _blank_format(_balance("01", 0)),
        _movement(100),
        _in(_movement(100), "USD", "2"),
        _blank_format(_balance("07", 200)),
    ]
    with pytest.raises(ParseError) as caught:
        parse_cfonb120("\n".join(lines).encode(), filename="mixed.txt")
    error = caught.value
    assert (error.file, error.line, error.field) == ("mixed.txt", 1, "devise")
    assert "plusieurs devises (EUR, USD)" in error.reason


def test_it_refuses_a_closing_balance_in_another_currency_than_its_opening():
    lines = [_balance("01", 0), _movement(100), _in(_balance("07", 100), "USD", "2")]
    with pytest.raises(ParseError) as caught:
        parse_cfonb120("\n".join(lines).encode(), filename="ccy.txt")
    error = caught.value
    assert (error.line, error.field) == (3, "devise")
    assert "est en USD, mais son ancien solde (01, enregistrement 1) est en EUR" in error.reason


def test_it_leaves_out_a_blank_balance_whose_movements_disagree_on_decimals():
    lines = [
        _blank_format(_balance("01", 0)),
        _movement(100),
        _in(_movement(1000), "EUR", "3"),
        _blank_format(_balance("07", 200)),
    ]
    statement = parse_cfonb120("\n".join(lines).encode(), filename="dec.txt")
    (account,) = statement.accounts
    assert account.opening_balance_cents is None and account.closing_balance_cents is None
    assert [(e.line, e.field) for e in statement.errors] == [
        (1, "ancien solde"),
        (4, "nouveau solde"),
    ]
    assert [line.amount_cents for line in account.lines] == [100, 100]


# --- bad input -----------------------------------------------------------------------------


def test_bad_amount_gives_row_error_and_keeps_other_lines():
    records = _small().decode().split("\r\n")
    records[1] = records[1][:103] + "X" + records[1][104:]  # sign character of the 1st 04
    statement = parse_cfonb120("\r\n".join(records).encode(), filename="cfonb_small.txt")
    (error,) = statement.errors
    assert (error.line, error.field, error.file) == (2, "montant", "cfonb_small.txt")
    assert "X" in error.reason
    # the other movement is read; its 05 records are not lost to the skipped one
    (debit,) = statement.accounts[0].lines
    assert debit.amount_cents == -4999
    assert debit.mandate_reference == "MANDATE-42"
    assert statement.accounts[0].balance_gap_cents == -25000
    assert statement.accounts[1].balanced is True


def test_bad_date_gives_row_error():
    records = _small().decode().split("\r\n")
    records[10] = records[10][:34] + "320224" + records[10][40:]
    statement = parse_cfonb120("\r\n".join(records).encode(), filename="f.txt")
    (error,) = statement.errors
    assert (error.line, error.field) == (11, "date")
    assert statement.accounts[1].lines == []


def test_truncated_file():
    data = _small()
    cut = data[: len(data) - 200]  # stops inside record 11, a movement of the last statement
    with pytest.raises(ParseError) as caught:
        parse_cfonb120(cut, filename="cfonb_small.txt")
    message = str(caught.value)
    assert "cfonb_small.txt" in message
    assert "ligne 11" in message
    assert "tronqué" in message
    assert caught.value.line == 11


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        random.Random(120).randbytes(3000),
        b"<?xml version='1.0'?><Document/>",
    ],
    ids=["pdf", "random", "xml"],
)
def test_wrong_format(data):
    with pytest.raises(ParseError) as caught:
        parse_cfonb120(data, filename="upload.bin")
    assert caught.value.file == "upload.bin"
    assert caught.value.line == 1
    assert "upload.bin, ligne 1" in str(caught.value)
    assert "pas un relevé CFONB 120" in str(caught.value)


def test_empty_file():
    with pytest.raises(ParseError, match="fichier vide"):
        parse_cfonb120(b"\r\n\r\n", filename="empty.txt")


def test_unknown_records_most_of_the_file():
    lines = [_balance("01", 0)] + ["99" + "x" * 118] * 30
    with pytest.raises(ParseError, match="code inconnu"):
        parse_cfonb120("\n".join(lines).encode(), filename="x.txt")


# --- real samples (/work/shared/samples, beside the repository) ----------------------------

# From PROVENANCE.tsv notes, checked against the files: per statement (opening, closing,
# gap = opening + credits - debits - closing), in cents. "statements" is the number of
# 01...07 statements (one StatementAccount each), "accounts" the distinct accounts.
EXPECTED: dict[str, dict] = {
    # pos 20 = 3 decimals: 1.905 -> -965.452 and -4172.864 -> -4365.223 EUR, rounded half
    # to even per amount (190.5 -> 190 cents); debits 115971 cents as python-cfonb rounds
    "oca_decimals_field_3.txt": {
        "statements": 2,
        "accounts": 2,
        "lines": 7,
        "balances": [(190, -96545, 0), (-417286, -436522, 0)],
        "credits": 0,
        "debits": 115971,
        "warning": "plus de 2 décimales",
    },
    "oca_one_record_119_chars.txt": {
        "statements": 2,
        "accounts": 2,
        "lines": 7,
        "balances": [(1905, -965452, 0), (-4172864, -4365223, 0)],
        "credits": 0,
        "debits": 1159716,
        "warning": "enregistrement 3 : 119 caractères",
    },
    "oca_sg_30003_classic.cfo": {
        "statements": 1,
        "accounts": 1,
        "lines": 13,
        "balances": [(101731189, 103158579, 0)],
    },
    "oca_sg_30003_no_record_separator.cfo": {
        "statements": 1,
        "accounts": 1,
        "lines": 13,
        "balances": [(101731189, 103158579, 0)],
    },
    "oca_two_banks_mixed_crlf_lf.txt": {
        "statements": 2,
        "accounts": 2,
        "lines": 7,
        "balances": [(1905, -965452, 0), (-4172864, -4365223, 0)],
        "credits": 0,
        "debits": 1159716,
    },
    # first statement never closed; second off by 8539 cents (-24121 - 790 vs -16372)
    "pennylane_missing_07_before_next_01.txt": {
        "statements": 2,
        "accounts": 2,
        "lines": 2,
        "balances": [(-19040, None, None), (-24121, -16372, -8539)],
        "warning": "n'a pas de nouveau solde (07)",
    },
    "silarhi_balances_only_many_accounts.txt": {
        "statements": 8,
        "accounts": 3,
        "lines": 0,
        "balances": [(1862, 1862, 0)] + [(0, 0, 0)] * 6 + [(1987572, 1987572, 0)],
    },
    "silarhi_single_day_no_movement_no_final_eol.txt": {
        "statements": 1,
        "accounts": 1,
        "lines": 0,
        "balances": [(1669565, 1669565, 0)],
    },
}


@pytest.mark.parametrize("path", sample_files("cfonb120"))
def test_real_sample(path):
    assert path.name in EXPECTED, f"new sample {path.name}: add its figures to EXPECTED"
    expected = EXPECTED[path.name]
    statement = parse_cfonb120(path.read_bytes(), filename=path.name)
    accounts = statement.accounts
    assert statement.errors == []
    assert len(accounts) == expected["statements"]
    assert len({(a.account, a.currency) for a in accounts}) == expected["accounts"]
    assert sum(len(a.lines) for a in accounts) == expected["lines"]
    assert [
        (a.opening_balance_cents, a.closing_balance_cents, a.balance_gap_cents) for a in accounts
    ] == expected["balances"]
    if "credits" in expected:
        assert sum(a.credits_cents for a in accounts) == expected["credits"]
        assert sum(a.debits_cents for a in accounts) == expected["debits"]
    if "warning" in expected:
        assert any(expected["warning"] in warning for warning in statement.warnings)
    lines = [line for a in accounts for line in a.lines]
    assert all(isinstance(line.amount_cents, int) for line in lines)
    assert [line.line_no for line in lines] == sorted(line.line_no for line in lines)


def test_real_sample_two_banks_keep_their_accounts_apart():
    path = SAMPLES / "oca_two_banks_mixed_crlf_lf.txt"
    if not path.is_file():
        pytest.skip(f"no samples at {SAMPLES}")
    statement = parse_cfonb120(path.read_bytes(), filename=path.name)
    assert [a.account for a in statement.accounts] == [
        "30001 00794 12345678901",
        "30004 00003 12345678901",
    ]


def test_real_sample_sepa_complements():
    path = SAMPLES / "oca_sg_30003_classic.cfo"
    if not path.is_file():
        pytest.skip(f"no samples at {SAMPLES}")
    lines = parse_cfonb120(path.read_bytes(), filename=path.name).accounts[0].lines
    first = lines[0]
    assert first.amount_cents == 104017
    assert first.counterparty_name == "MA JOLIE BOUTIQUE"
    assert "facture F230875" in first.label
    orange = lines[11]
    assert orange.counterparty_name == "Orange"
    assert orange.mandate_reference == "++48398735847564876543"
    # LCC (same text as LIB) + LC2: the 140-character remittance is put back together
    assert orange.label.endswith("Ident: 00003263")
