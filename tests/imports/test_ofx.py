"""OFX statement parser: own fixtures, bad input, and the shared real samples."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers.ofx import parse_ofx
from recouvra.imports.records import ParseError

from ..samples import sample_dir, sample_files

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
SAMPLES = sample_dir("ofx")
FIXTURE = DATA / "ofx_small.ofx"

XML_OFX = b"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <BANKMSGSRSV1>
    <STMTTRNRS>
      <TRNUID>1</TRNUID>
      <STMTRS>
        <CURDEF>EUR</CURDEF>
        <BANKACCTFROM><BANKID>1</BANKID><ACCTID>0012345</ACCTID></BANKACCTFROM>
        <BANKTRANLIST>
          <DTSTART>20240101</DTSTART><DTEND>20240131</DTEND>
          <STMTTRN>
            <TRNTYPE>CREDIT</TRNTYPE>
            <DTPOSTED>20240115093000.000[-5:EST]</DTPOSTED>
            <TRNAMT>1234.5</TRNAMT>
            <FITID>A1</FITID>
            <PAYEE><NAME>Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale &amp; Cie</NAME></PAYEE>
            <MEMO>Facture &lt;F-1&gt;</MEMO>
            <CURRENCY><CURRATE>1.1</CURRATE><CURSYM>USD</CURSYM></CURRENCY>
          </STMTTRN>
          <STMTTRN>
            <TRNTYPE>DEBIT</TRNTYPE>
            <DTPOSTED>20240116</DTPOSTED>
            <TRNAMT>-0.01</TRNAMT>
            <FITID>A2</FITID>
            <MEMO>Frais</MEMO>
            <ORIGCURRENCY><CURRATE>1.1</CURRATE><CURSYM>GBP</CURSYM></ORIGCURRENCY>
          </STMTTRN>
        </BANKTRANLIST>
        <LEDGERBAL><BALAMT>2000.00</BALAMT><DTASOF>20240131</DTASOF></LEDGERBAL>
        <AVAILBAL><BALAMT>999.99</BALAMT><DTASOF>20240131</DTASOF></AVAILBAL>
      </STMTRS>
    </STMTTRNRS>
  </BANKMSGSRSV1>
</OFX>
"""


def _small() -> bytes:
    return FIXTURE.read_bytes()


# --- own fixture ---------------------------------------------------------------------------


def test_small_fixture_bank_and_card_statements():
    statement = parse_ofx(_small(), filename="ofx_small.ofx")
    assert statement.format == "ofx"
    assert statement.errors == []
    assert statement.warnings == []
    bank, card = statement.accounts
    assert bank.iban == "FR7630006000011234567890189"
    assert bank.currency == "EUR"
    assert bank.opening_balance_cents is None  # OFX has no opening balance
    assert bank.closing_balance_cents == 120001
    assert (bank.opening_date, bank.closing_date) == (date(2024, 3, 1), date(2024, 3, 5))
    assert bank.balanced is None
    assert card.iban == ""
    assert card.account == "4970XXXXXXXX1234"
    assert card.closing_balance_cents == -1250


def test_small_fixture_transactions():
    bank, card = parse_ofx(_small()).accounts
    credit, debit = bank.lines
    assert credit.amount_cents == 25000
    assert credit.booking_date == date(2024, 3, 4)
    assert credit.value_date == date(2024, 3, 3)  # DTUSER
    assert credit.label == "VIR SEPA FACTURE F2024-001"
    assert credit.counterparty_name == "DUPONT & FILS SARL"  # a raw "&" is text
    assert credit.reference == "FIT-0001"
    assert credit.line_no == 28
    assert debit.amount_cents == -4999  # the sign, not TRNTYPE
    assert debit.label == "EDF"  # no MEMO: the NAME
    (payment,) = card.lines
    assert payment.amount_cents == -1250
    assert payment.counterparty_name == "LIBRAIRIE & PAPETERIE"  # &amp; decoded
    assert payment.label == "CB 09/03"  # CHECKNUM 0 is not a check number


def test_xml_ofx():
    statement = parse_ofx(XML_OFX, filename="x.ofx")
    (account,) = statement.accounts
    assert account.account == "0012345"
    assert account.closing_balance_cents == 200000  # LEDGERBAL, not AVAILBAL
    credit, debit = account.lines
    assert credit.amount_cents == 123450
    assert credit.booking_date == date(2024, 1, 15)
    assert credit.counterparty_name == "Société Générale & Cie"
    assert credit.label == "Facture <F-1>"
    assert credit.currency == "USD"
    assert debit.amount_cents == -1
    assert debit.currency == ""  # ORIGCURRENCY: the amount is in CURDEF already


def test_sgml_on_one_line_and_stray_less_than():
    data = (
        b"OFXHEADER:100\r\nDATA:OFXSGML\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        b"<CURDEF>EUR<BANKACCTFROM><ACCTID>42</BANKACCTFROM><BANKTRANLIST>"
        b"<STMTTRN><TRNTYPE>OTHER<DTPOSTED>20240102<TRNAMT>-10,50<FITID>1<MEMO>A < B"
        b"<STMTTRN><TRNTYPE>OTHER<DTPOSTED>20240103<TRNAMT>+3<FITID>2"
        b"</BANKTRANLIST><LEDGERBAL><BALAMT>0<DTASOF>20240103</LEDGERBAL>"
        b"</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    (account,) = parse_ofx(data).accounts
    first, second = account.lines  # STMTTRN without closing tags
    assert (first.amount_cents, first.label) == (-1050, "A < B")
    assert second.amount_cents == 300
    assert account.closing_balance_cents == 0


def test_cp1252_text():
    data = _small().replace(b"<MEMO>CB 09/03", b"<MEMO>CB caf\xe9 \x80")
    (payment,) = parse_ofx(data).accounts[1].lines
    assert payment.label == "CB café €"


def test_empty_ledger_balance_warns():
    data = _small().replace(b"<BALAMT>1200.01", b"<BALAMT>")
    statement = parse_ofx(data, filename="f.ofx")
    assert statement.accounts[0].closing_balance_cents is None
    assert any("solde comptable vide" in warning for warning in statement.warnings)


# --- bad input -----------------------------------------------------------------------------


def test_bad_amount_gives_row_error_and_keeps_other_lines():
    data = _small().replace(b"<TRNAMT>250.00", b"<TRNAMT>$250")
    statement = parse_ofx(data, filename="ofx_small.ofx")
    (error,) = statement.errors
    assert (error.line, error.field, error.file) == (28, "TRNAMT", "ofx_small.ofx")
    assert "$250" in error.reason
    assert [line.reference for line in statement.accounts[0].lines] == ["FIT-0002"]
    assert len(statement.accounts[1].lines) == 1


def test_bad_date_gives_row_error():
    data = _small().replace(b"<DTPOSTED>20240305", b"<DTPOSTED>20241305")
    statement = parse_ofx(data, filename="f.ofx")
    (error,) = statement.errors
    assert (error.line, error.field) == (37, "DTPOSTED")


def test_truncated_file():
    data = _small()
    cut = data[: data.index(b"<TRNAMT>-12.5")]
    with pytest.raises(ParseError) as caught:
        parse_ofx(cut, filename="ofx_small.ofx")
    message = str(caught.value)
    assert "ofx_small.ofx, ligne 66" in message  # its last line
    assert "tronqué" in message
    assert "ligne 56" in message  # where the unfinished CCSTMTRS starts


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        random.Random(102).randbytes(3000),
        b":20:REF\n:25:ACC\n:60F:C240101EUR0,00\n",
    ],
    ids=["pdf", "random", "mt940"],
)
def test_wrong_format(data):
    with pytest.raises(ParseError) as caught:
        parse_ofx(data, filename="upload.bin")
    assert caught.value.file == "upload.bin"
    assert str(caught.value).startswith("upload.bin, ligne 1 : ce n'est pas un fichier OFX")


def test_ofx_without_statement():
    data = b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</STATUS></SONRS></SIGNONMSGSRSV1></OFX>"
    with pytest.raises(ParseError, match="aucun relevé bancaire ou de carte"):
        parse_ofx(data, filename="empty.ofx")


# --- real samples (/work/shared/samples, beside the repository) ----------------------------

# From PROVENANCE.tsv notes, checked against the files. OFX has no opening balance, so
# no balance check: closing = LEDGERBAL/BALAMT per statement, in cents (None when empty).
EXPECTED: dict[str, dict] = {
    "asgrim_br_creditcard_unescaped_ampersand.ofx": {
        "lines": [16],
        "closings": [-73405],
        "currency": "BRL",
        "memo": "Amazon.Com.Br Amazon & Cloud 3/3",
    },
    "asgrim_br_empty_ledger_balamt.ofx": {
        "lines": [5],
        "closings": [None],
        "currency": "BRL",
        "warning": "solde comptable vide",
    },
    "asgrim_fr_banque_populaire_sgml102.ofx": {
        "lines": [6],
        "closings": [1000000],
        "currency": "EUR",
    },
    "asgrim_fr_single_line_sgml102.ofx": {
        "lines": [8],
        "closings": [10000],
        "currency": "EUR",
        # DIRECTDEP on negative amounts: the sign gives the direction
        "amounts": [-155, -38300, -155, 20000, -8000, -60000, -100000, -11100],
    },
    "asgrim_three_accounts_xml200.ofx": {
        "lines": [0, 2, 1],
        "closings": [4301, 300025, 1172856],
        "currency": "GBP",
    },
    "ofxparse_au_anz_cc_xml_header_sgml_body.ofx": {
        "lines": [1],
        "closings": [-12345],  # LEDGERBAL, not AVAILBAL (+123.45)
        "currency": "AUD",
    },
    "ofxparse_ca_bank_medium_one_line_per_trn.ofx": {
        "lines": [3],
        "closings": [38234],  # LEDGERBAL, not AVAILBAL (682.34)
        "currency": "CAD",
    },
    # TRNAMT '$120' is not an OFX amount: a RowError, not a 12000-cent credit
    "ofxparse_ca_broken_amount_no_header.ofx": {
        "lines": [0],
        "closings": [0],
        "currency": "CAD",
        "errors": [("TRNAMT", "$120")],
    },
}


@pytest.mark.parametrize("path", sample_files("ofx"))
def test_real_sample(path):
    assert path.name in EXPECTED, f"new sample {path.name}: add its figures to EXPECTED"
    expected = EXPECTED[path.name]
    statement = parse_ofx(path.read_bytes(), filename=path.name)
    accounts = statement.accounts
    assert [len(a.lines) for a in accounts] == expected["lines"]
    assert [a.closing_balance_cents for a in accounts] == expected["closings"]
    assert all(a.opening_balance_cents is None and a.balanced is None for a in accounts)
    assert {a.currency for a in accounts} == {expected["currency"]}
    assert all(a.iban or a.account for a in accounts)
    errors = [(error.field, error.reason) for error in statement.errors]
    assert len(errors) == len(expected.get("errors", []))
    for (field, reason), (expected_field, fragment) in zip(
        errors, expected.get("errors", []), strict=True
    ):
        assert field == expected_field and fragment in reason
    if "warning" in expected:
        assert any(expected["warning"] in warning for warning in statement.warnings)
    lines = [line for a in accounts for line in a.lines]
    if "amounts" in expected:
        assert [line.amount_cents for line in lines] == expected["amounts"]
    if "memo" in expected:
        assert lines[0].label == expected["memo"]
    assert all(line.reference and line.line_no for line in lines)
