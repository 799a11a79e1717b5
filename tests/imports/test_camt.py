"""ISO 20022 camt.053 / camt.054 parser: own fixture, edge cases, bad input, real samples."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers.camt import parse_camt
from recouvra.imports.records import ParseError

from ..samples import SHARED_SAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
SAMPLES = SHARED_SAMPLES
FIXTURE = DATA / "camt053_small.xml"
NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"


def _entry(
    amount: str = "10.00",
    indicator: str = "CRDT",
    *,
    ccy: str = "EUR",
    extra: str = "",
    details: str = "",
    booking: str = "<BookgDt><Dt>2024-05-02</Dt></BookgDt>",
    status: str = "<Sts>BOOK</Sts>",
) -> str:
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{extra}'
        f"{status}{booking}<ValDt><Dt>2024-05-03</Dt></ValDt>"
        f"<AcctSvcrRef>B-{amount}</AcctSvcrRef>"
        + (f"<NtryDtls>{details}</NtryDtls>" if details else "")
        + "</Ntry>"
    )


def _tx(
    amount: str | None = None,
    *,
    ccy: str = "EUR",
    name: str = "",
    ustrd: str = "",
    e2e: str = "",
    party: str = "Dbtr",
) -> str:
    parts = ["<TxDtls>"]
    if e2e:
        parts.append(f"<Refs><EndToEndId>{e2e}</EndToEndId></Refs>")
    if amount is not None:
        parts.append(f'<Amt Ccy="{ccy}">{amount}</Amt>')
    if name:
        parts.append(f"<RltdPties><{party}><Nm>{name}</Nm></{party}></RltdPties>")
    if ustrd:
        parts.append(f"<RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf>")
    parts.append("</TxDtls>")
    return "".join(parts)


def _balance(code: str, amount: str, indicator: str = "CRDT", day: str = "2024-05-01") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def _statement(
    *entries: str,
    balances: str = "",
    account: str = "<Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy>",
    ns: str = NS053,
    message: str = "BkToCstmrStmt",
    section: str = "Stmt",
) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><{message}>'
        f"<GrpHdr><MsgId>M</MsgId></GrpHdr>\n<{section}><Id>S</Id><Acct>{account}</Acct>"
        f"{balances}\n" + "\n".join(entries) + f"\n</{section}></{message}></Document>\n"
    ).encode()


# --- own fixture ---------------------------------------------------------------------------


def test_small_fixture_balances_and_lines():
    statement = parse_camt(FIXTURE.read_bytes(), filename="camt053_small.xml")
    assert statement.format == "camt.053"
    assert statement.errors == []
    assert statement.warnings == []
    (account,) = statement.accounts
    assert account.iban == "FR7630006000011234567890189"
    assert account.account == ""
    assert account.currency == "EUR"
    assert account.opening_balance_cents == 100000
    assert account.opening_date == date(2024, 3, 1)
    assert account.closing_balance_cents == 137000
    assert account.closing_date == date(2024, 3, 4)
    assert account.credits_cents == 45000
    assert account.debits_cents == 8000
    assert account.balanced is True
    assert [line.amount_cents for line in account.lines] == [15000, -8000, 10000, 20000]


def test_small_fixture_line_fields():
    account = parse_camt(FIXTURE.read_bytes()).accounts[0]
    transfer, returned, first, second = account.lines

    assert transfer.booking_date == transfer.value_date == date(2024, 3, 4)
    assert transfer.label == "FACTURE F2024-001"
    assert transfer.reference == "RF18539007547034"  # structured creditor reference
    assert transfer.end_to_end_id == "E2E-F2024-001"
    assert transfer.counterparty_name == "DUBOIS SARL"  # line break in <Nm> collapsed
    assert transfer.counterparty_iban == "FR1420041010050500013M02606"
    assert transfer.currency == ""
    assert transfer.line_no == 30

    # A returned direct debit: DBIT + RvslInd stays a debit, and names the debtor.
    assert returned.amount_cents == -8000
    assert returned.booking_date == date(2024, 3, 4)  # from BookgDt/DtTm
    assert returned.end_to_end_id == ""  # NOTPROVIDED
    assert returned.mandate_reference == "RUM-MARTIN-0001"
    assert returned.counterparty_name == "MARTIN SA"
    assert returned.label == "RETOUR PRLV SEPA MARTIN SA"  # AddtlNtryInf fallback
    assert returned.reference == "BANKREF-0002"

    # A batch whose TxDtls carry amounts adding up to the entry: one line each.
    assert (first.amount_cents, second.amount_cents) == (10000, 20000)
    assert first.value_date == date(2024, 3, 5)
    assert first.counterparty_name == "BERNARD EURL"
    assert first.mandate_reference == "RUM-BERNARD-0007"
    assert first.end_to_end_id == "PRLV-2024-03-A"
    assert first.label == "ECHEANCE MARS F2024-007"
    assert second.reference == "F2024-010"  # Strd/RfrdDocInf/Nb
    assert second.label == "REMISE PRLV SEPA CORE"
    assert (first.line_no, second.line_no) == (98, 111)  # each TxDtls


def test_as_json_round_trip():
    data = parse_camt(FIXTURE.read_bytes()).as_json()
    assert data["format"] == "camt.053"
    assert data["accounts"][0]["balanced"] is True
    assert len(data["accounts"][0]["lines"]) == 4


# --- rules ---------------------------------------------------------------------------------


def test_reversal_keeps_the_booked_direction():
    data = _statement(
        _entry("5.00", "DBIT", extra="<RvslInd>true</RvslInd>", details=_tx(name="DEBTOR A")),
        _entry(
            "7.00",
            "CRDT",
            extra="<RvslInd>true</RvslInd>",
            details=_tx(name="PAYEE B", party="Cdtr"),
        ),
        _entry("9.00", "CRDT", extra="<RvslInd>false</RvslInd>", details=_tx(name="DEBTOR C")),
    )
    lines = parse_camt(data).accounts[0].lines
    assert [line.amount_cents for line in lines] == [-500, 700, 900]
    # counterparty of the original operation: the debtor of a reversed credit, the payee of
    # a reversed debit
    assert [line.counterparty_name for line in lines] == ["DEBTOR A", "PAYEE B", "DEBTOR C"]


def test_reversal_falls_back_on_the_other_party():
    data = _statement(
        _entry("5.00", "DBIT", extra="<RvslInd>true</RvslInd>", details=_tx(name="X", party="Cdtr"))
    )
    assert parse_camt(data).accounts[0].lines[0].counterparty_name == "X"


def test_credit_names_the_debtor_only():
    data = _statement(_entry("5.00", "CRDT", details=_tx(name="OURSELVES", party="Cdtr")))
    assert parse_camt(data).accounts[0].lines[0].counterparty_name == ""


def test_batch_without_amounts_is_one_line_with_joined_texts():
    details = _tx(name="A", ustrd="INV 1", e2e="E1") + _tx(name="B", ustrd="INV 2", e2e="E2")
    data = _statement(_entry("30.00", details=details))
    (line,) = parse_camt(data).accounts[0].lines
    assert line.amount_cents == 3000
    assert line.label == "INV 1 | INV 2"
    assert line.end_to_end_id == "E1 E2"
    assert line.counterparty_name == ""  # two different debtors
    assert line.reference == "B-30.00"


def test_batch_with_a_shared_counterparty_names_it():
    details = _tx(name="SAME", ustrd="INV 1") + _tx(name="SAME", ustrd="INV 1")
    (line,) = parse_camt(_statement(_entry("30.00", details=details))).accounts[0].lines
    assert line.counterparty_name == "SAME"
    assert line.label == "INV 1"


@pytest.mark.parametrize(
    "details",
    [
        _tx("10.00") + _tx("15.00"),  # 25.00 != 30.00 (charges, partial detail…)
        _tx("10.00", ccy="CHF") + _tx("20.00", ccy="CHF"),  # another currency
        _tx("10.00") + _tx(None),  # one without an amount
    ],
    ids=["not-adding-up", "other-currency", "one-missing"],
)
def test_batch_kept_whole_unless_amounts_add_up(details):
    (line,) = parse_camt(_statement(_entry("30.00", details=details))).accounts[0].lines
    assert line.amount_cents == 3000


def test_batch_split_keeps_the_entry_sign():
    details = _tx("10.00", ustrd="A") + _tx("20.00", ustrd="B")
    lines = parse_camt(_statement(_entry("30.00", "DBIT", details=details))).accounts[0].lines
    assert [(line.amount_cents, line.label) for line in lines] == [(-1000, "A"), (-2000, "B")]


def test_single_txdtls_amount_never_replaces_the_entry_amount():
    data = _statement(_entry("8.85", details=_tx("105.750")))
    assert parse_camt(data).accounts[0].lines[0].amount_cents == 885


def test_pending_entries_are_skipped_with_a_warning():
    data = _statement(
        _entry("1.00"), _entry("2.00", status="<Sts><Cd>PDNG</Cd></Sts>"), _entry("3.00")
    )
    statement = parse_camt(data)
    assert [line.amount_cents for line in statement.accounts[0].lines] == [100, 300]
    assert statement.warnings[-1] == (
        "1 opération(s) en attente ou pour information (Sts PDNG/INFO/FUTR) non importée(s)"
    )


def test_prcd_is_the_opening_balance_when_there_is_no_opbd():
    balances = _balance("PRCD", "100.00") + _balance("CLBD", "90.00", day="2024-05-02")
    account = parse_camt(_statement(_entry("10.00", "DBIT"), balances=balances)).accounts[0]
    assert account.opening_balance_cents == 10000
    assert account.closing_balance_cents == 9000
    assert account.balanced is True


def test_opbd_wins_over_prcd_and_debit_balances_are_negative():
    balances = (
        _balance("PRCD", "1.00")
        + _balance("OPBD", "50.00", "DBIT")
        + _balance("CLBD", "40.00", "DBIT")
    )
    account = parse_camt(_statement(_entry("10.00"), balances=balances)).accounts[0]
    assert (account.opening_balance_cents, account.closing_balance_cents) == (-5000, -4000)
    assert account.balance_gap_cents == 0


def test_statement_without_booked_balances_warns():
    statement = parse_camt(_statement(_entry(), balances=_balance("OPAV", "1.00")))
    assert statement.accounts[0].opening_balance_cents is None
    assert statement.accounts[0].balanced is None
    assert "d'ouverture (OPBD/PRCD) et de clôture (CLBD)" in statement.warnings[0]


def test_notification_has_no_balances():
    data = _statement(_entry("12.00"), ns=NS054, message="BkToCstmrDbtCdtNtfctn", section="Ntfctn")
    statement = parse_camt(data, filename="n.xml")
    assert statement.format == "camt.054"
    account = statement.accounts[0]
    assert account.opening_balance_cents is None and account.closing_balance_cents is None
    assert account.balanced is None
    assert statement.warnings == []


def test_account_without_iban_and_currency_from_entries():
    account = "<Id><Othr><Id>000123-45</Id></Othr></Id>"
    parsed = parse_camt(_statement(_entry(ccy="SEK"), account=account)).accounts[0]
    assert (parsed.iban, parsed.account, parsed.currency) == ("", "000123-45", "SEK")


def test_line_in_another_currency_says_so():
    lines = parse_camt(_statement(_entry("1.00"), _entry("2.00", ccy="CHF"))).accounts[0].lines
    assert [line.currency for line in lines] == ["", "CHF"]


def test_amounts_are_hundredths_whatever_the_currency():
    lines = parse_camt(_statement(_entry("2700", ccy="JPY"), _entry("474.4"))).accounts[0].lines
    assert [line.amount_cents for line in lines] == [270000, 47440]


def test_value_date_stands_in_for_a_missing_booking_date():
    (line,) = parse_camt(_statement(_entry(booking=""))).accounts[0].lines
    assert line.booking_date == date(2024, 5, 3)


@pytest.mark.parametrize(
    ("entry", "field", "reason"),
    [
        (_entry("12,50"), "Amt", "montant décimal illisible"),
        (_entry("1.005"), "Amt", "plus de 2 décimales"),
        (_entry("1.00", "XXXX"), "CdtDbtInd", "indicateur crédit/débit « XXXX »"),
        (
            _entry(booking="<BookgDt><Dt>2024-13-45</Dt></BookgDt>"),
            "BookgDt",
            "date « 2024-13-45 » invalide",
        ),
    ],
    ids=["comma", "three-decimals", "indicator", "date"],
)
def test_bad_entry_is_a_row_error_and_the_others_stay(entry, field, reason):
    data = _statement(_entry("1.00"), entry, _entry("3.00"))
    statement = parse_camt(data, filename="bad.xml")
    assert [line.amount_cents for line in statement.accounts[0].lines] == [100, 300]
    (error,) = statement.errors
    assert (error.field, error.file, error.line) == (field, "bad.xml", 5)
    assert reason in error.reason


def test_namespace_agnostic():
    plain = _statement(_entry("1.00"), _entry("2.00", "DBIT"))
    prefixed = (
        plain.decode()
        .replace(f'<Document xmlns="{NS053}">', f'<c:Document xmlns:c="{NS053}">')
        .replace("<", "<c:")
        .replace("<c:/", "</c:")
        .replace("<c:?xml", "<?xml")
        .replace("c:c:", "c:")
        .encode()
    )
    bare = plain.replace(f' xmlns="{NS053}"'.encode(), b"")
    expected = [100, -200]
    for data in (plain, prefixed, bare):
        statement = parse_camt(data)
        assert statement.format == "camt.053"
        assert [line.amount_cents for line in statement.accounts[0].lines] == expected


def test_version_01_root_and_balance_type():
    data = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.01"><BkToCstmrStmtV01>'
        b"<Stmt><Acct><Id><PrtryAcct><Id>P-1</Id></PrtryAcct></Id></Acct>"
        b'<Bal><Tp><Cd>OPBD</Cd></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        b"<Dt><Dt>2024-01-01</Dt></Dt></Bal>"
        b'<Bal><Tp><Cd>CLBD</Cd></Tp><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        b"<Dt><DtTm>2024-01-02T23:59:59</DtTm></Dt></Bal>"
        b'<Ntry><Amt Ccy="EUR">2.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        b"<BookgDt><Dt>2024-01-02</Dt></BookgDt>"
        b"<TxDtls><RltdPties><Dbtr><Nm>V1 PAYER</Nm></Dbtr></RltdPties></TxDtls></Ntry>"
        b"</Stmt></BkToCstmrStmtV01></Document>"
    )
    account = parse_camt(data).accounts[0]
    assert (account.account, account.currency, account.balanced) == ("P-1", "EUR", True)
    assert account.closing_date == date(2024, 1, 2)
    assert account.lines[0].counterparty_name == "V1 PAYER"


def test_apphdr_wrapper_and_several_statements():
    one = _statement(_entry("1.00")).decode().split("\n", 1)[1]
    statements = one.replace(
        "</Stmt>", "</Stmt><Stmt><Id>T</Id><Acct><Id><Othr><Id>B</Id></Othr></Id></Acct></Stmt>"
    )
    data = (
        '<message><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.01">'
        "<MsgDefIdr>camt.053.001.02</MsgDefIdr></AppHdr>" + statements + "</message>"
    ).encode()
    statement = parse_camt(data)
    assert [a.iban or a.account for a in statement.accounts] == [
        "FR7630006000011234567890189",
        "B",
    ]
    assert [len(a.lines) for a in statement.accounts] == [1, 0]


def test_many_entries_stream():
    entries = [_entry(f"{n}.{n % 100:02d}", "CRDT" if n % 3 else "DBIT") for n in range(1, 3001)]
    total = sum((n * 100 + n % 100) * (1 if n % 3 else -1) for n in range(1, 3001))
    account = parse_camt(_statement(*entries)).accounts[0]
    assert len(account.lines) == 3000
    assert sum(line.amount_cents for line in account.lines) == total
    assert account.lines[-1].line_no == 3003


# --- camt.054 notifications: batches, credit notes, non-booked entries, control sums -----

NS054_V8 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def _notification(*entries: str, summary: str = "", ns: str = NS054_V8) -> bytes:
    return _statement(
        *entries,
        balances=summary,
        ns=ns,
        message="BkToCstmrDbtCdtNtfctn",
        section="Ntfctn",
    )


def _summary(count: int, credits: tuple[int, str], debits: tuple[int, str], net: str) -> str:
    total = f"{float(credits[1]) + float(debits[1]):.2f}"
    direction = "DBIT" if net.startswith("-") else "CRDT"
    return (
        f"<TxsSummry><TtlNtries><NbOfNtries>{count}</NbOfNtries><Sum>{total}</Sum>"
        f"<TtlNetNtry><Amt>{net.lstrip('-')}</Amt><CdtDbtInd>{direction}</CdtDbtInd></TtlNetNtry>"
        f"</TtlNtries><TtlCdtNtries><NbOfNtries>{credits[0]}</NbOfNtries><Sum>{credits[1]}</Sum>"
        f"</TtlCdtNtries><TtlDbtNtries><NbOfNtries>{debits[0]}</NbOfNtries><Sum>{debits[1]}</Sum>"
        "</TtlDbtNtries></TxsSummry>"
    )


def _batch_tx(
    amount: str, *, indicator: str = "", amount_details: bool = False, e2e: str = ""
) -> str:
    own = (
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
        if amount_details
        else f'<Amt Ccy="EUR">{amount}</Amt>'
    )
    direction = f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else ""
    return f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{own}{direction}</TxDtls>"


def _strd(number: str, amounts: str, kind: str = "CINV") -> str:
    return (
        f"<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp><Nb>{number}</Nb>"
        f"</RfrdDocInf><RfrdDocAmt>{amounts}</RfrdDocAmt></Strd>"
    )


def _eur(element: str, amount: str) -> str:
    return f'<{element} Ccy="EUR">{amount}</{element}>'


BATCH = (
    "<Btch><NbOfTxs>3</NbOfTxs><TtlAmt>250.00</TtlAmt></Btch>"
    + _batch_tx("100.00", indicator="CRDT", e2e="E-1")
    + _batch_tx("180.00", amount_details=True, e2e="E-2")  # 001.02 style, the entry's sense
    + _batch_tx("30.00", indicator="DBIT", e2e="E-3")  # a transfer returned in the batch
)
NETTED = (
    '<TxDtls><Amt Ccy="EUR">80.00</Amt><RmtInf>'
    + _strd("F-1", _eur("DuePyblAmt", "100.00") + _eur("CdtNoteAmt", "20.00"))
    + "</RmtInf></TxDtls>"
)
WITH_CREDIT_NOTE = (
    '<TxDtls><Amt Ccy="EUR">40.00</Amt><RmtInf>'
    + _strd("F-2", _eur("DuePyblAmt", "55.00") + _eur("RmtdAmt", "50.00"))
    + _strd("AV-1", _eur("CdtNoteAmt", "10.00"), kind="CREN")
    + "</RmtInf></TxDtls>"
)


def _rich_notification(summary: str = "") -> bytes:
    return _notification(
        _entry("250.00", details=BATCH, status="<Sts><Cd>BOOK</Cd></Sts>"),
        _entry("80.00", details=NETTED, status="<Sts><Cd>BOOK</Cd></Sts>"),
        _entry("40.00", details=WITH_CREDIT_NOTE, status="<Sts><Cd>BOOK</Cd></Sts>"),
        _entry("999.00", status="<Sts><Cd>INFO</Cd></Sts>"),  # announced, not booked
        _entry("5.00", "DBIT", status="<Sts><Cd>PDNG</Cd></Sts>"),
        # a direct debit collected earlier, reversed: booked as the debit it now is
        _entry(
            "25.00",
            "DBIT",
            extra="<RvslInd>true</RvslInd>",
            details=_tx(name="DEBITEUR SA"),
            status="<Sts><Cd>BOOK</Cd></Sts>",
        ),
        summary=summary,
    )


RICH_SUMMARY = _summary(4, (3, "370.00"), (1, "25.00"), "345.00")


def test_it_splits_a_batch_into_its_transactions_signed_by_their_own_indicator():
    statement = parse_camt(_rich_notification(RICH_SUMMARY), filename="avis.xml")
    assert statement.errors == []
    lines = statement.accounts[0].lines
    batch = [line for line in lines if line.end_to_end_id.startswith("E-")]
    assert [(line.end_to_end_id, line.amount_cents) for line in batch] == [
        ("E-1", 10000),
        ("E-2", 18000),
        ("E-3", -3000),
    ]
    assert sum(line.amount_cents for line in batch) == 25000  # the entry: the batch total


def test_it_nets_a_credit_note_against_the_document_it_pays():
    lines = parse_camt(_rich_notification(RICH_SUMMARY)).accounts[0].lines
    netted, with_credit_note = lines[3], lines[4]
    assert netted.amount_cents == 8000
    assert [(d.reference, d.amount_cents) for d in netted.documents] == [("F-1", 8000)]
    assert netted.reference == "F-1"
    assert with_credit_note.amount_cents == 4000
    assert [(d.reference, d.amount_cents) for d in with_credit_note.documents] == [
        ("F-2", 5000),  # RmtdAmt: what was remitted for it, not the 55.00 due
        ("AV-1", -1000),  # the credit note set against it
    ]
    assert with_credit_note.reference == "F-2"  # the invoice paid, not the credit note


def test_it_leaves_out_entries_that_are_not_bookings_and_keeps_reversals_as_booked():
    statement = parse_camt(_rich_notification(RICH_SUMMARY), filename="avis.xml")
    account = statement.accounts[0]
    assert [line.amount_cents for line in account.lines] == [10000, 18000, -3000, 8000, 4000, -2500]
    assert account.lines[-1].counterparty_name == "DEBITEUR SA"
    assert account.credits_cents - account.debits_cents == 34500  # TtlNetNtry
    assert any("2 opération(s) en attente ou pour information" in w for w in statement.warnings)


def test_it_checks_the_net_of_a_version_02_summary_and_its_textual_statuses():
    def data(net: str) -> bytes:
        summary = (
            "<TxsSummry><TtlNtries><NbOfNtries>2</NbOfNtries>"
            f"<TtlNetNtryAmt>{net}</TtlNetNtryAmt><CdtDbtInd>DBIT</CdtDbtInd></TtlNtries>"
            "</TxsSummry>"
        )
        return _notification(
            _entry("1.00", status="<Sts>BOOK</Sts>"),
            _entry("2.00", status="<Sts>INFO</Sts>"),  # 001.02: the status is text
            _entry("3.00", "DBIT", status="<Sts>BOOK</Sts>"),
            summary=summary,
            ns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02",
        )

    assert [line.amount_cents for line in parse_camt(data("2.00")).accounts[0].lines] == [
        100,
        -300,
    ]
    with pytest.raises(ParseError) as caught:
        parse_camt(data("4.00"))
    assert caught.value.field == "TxsSummry/TtlNtries/TtlNetNtry"
    assert "annonce -4.00, les opérations comptabilisées font -2.00" in caught.value.reason


def test_it_refuses_a_notification_whose_entries_do_not_make_its_control_sums():
    wrong = RICH_SUMMARY.replace("<Sum>370.00</Sum>", "<Sum>371.00</Sum>")
    with pytest.raises(ParseError) as caught:
        parse_camt(_rich_notification(wrong), filename="avis.xml")
    error = caught.value
    assert (error.file, error.field) == ("avis.xml", "TxsSummry/TtlCdtNtries/Sum")
    assert error.line == 3  # the TxsSummry, after the account
    assert "le fichier annonce 371.00, les opérations comptabilisées font 370.00" in error.reason


def test_it_refuses_a_notification_missing_an_entry_its_count_announces():
    fewer = RICH_SUMMARY.replace("<NbOfNtries>4</NbOfNtries>", "<NbOfNtries>5</NbOfNtries>")
    with pytest.raises(ParseError) as caught:
        parse_camt(_rich_notification(fewer), filename="avis.xml")
    assert caught.value.field == "TxsSummry/TtlNtries/NbOfNtries"
    assert "le fichier annonce 5, les opérations comptabilisées font 4" in caught.value.reason


def test_it_accepts_control_sums_that_count_the_pending_entries_too():
    everything = _summary(6, (4, "1369.00"), (2, "30.00"), "1339.00")
    statement = parse_camt(_rich_notification(everything))
    assert len(statement.accounts[0].lines) == 6


# --- bad input -----------------------------------------------------------------------------


def test_truncated_file_names_file_and_line():
    data = FIXTURE.read_bytes()[:2000]
    with pytest.raises(ParseError) as caught:
        parse_camt(data, filename="cut.xml")
    assert caught.value.file == "cut.xml"
    assert caught.value.line and caught.value.line > 1
    assert "XML mal formé" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.008.001.02'><CstmrDrctDbtInitn/>"
        b"</Document>",
        (DATA.parent / "invoices" / "cii_small.xml").read_bytes(),
        b"<html><body>hello</body></html>",
    ],
    ids=["pain008", "cii", "html"],
)
def test_wrong_root(data):
    with pytest.raises(ParseError, match="pas un message ISO 20022 camt.053/camt.054") as caught:
        parse_camt(data, filename="other.xml")
    assert caught.value.file == "other.xml"
    assert caught.value.line is not None


def test_non_xml_bytes():
    with pytest.raises(ParseError) as caught:
        parse_camt(b"\x89PNG\r\n\x1a\n\x00\x00binary", filename="image.png")
    assert caught.value.file == "image.png"
    assert caught.value.line == 1


def test_entities_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        b"<Document><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>"
    )
    with pytest.raises(ParseError, match="entités XML") as caught:
        parse_camt(bomb, filename="bomb.xml")
    assert (caught.value.file, caught.value.line) == ("bomb.xml", 2)


# --- real samples --------------------------------------------------------------------------

# file → (format, [(account id, currency, opening, closing, credits, debits, gap, lines)])
# Figures from PROVENANCE.tsv notes (balances, credits/debits, gaps); line counts are what
# the batch rule gives (one line per TxDtls only when their amounts add up to the entry).
EXPECTED = {
    "camt053/abnamro_v02_prcd_reversals_batches.xml": (
        "camt.053",
        [("NL77ABNA0574908765", "EUR", 100001, 10001, 2800, 92800, 0, 29)],
    ),
    "camt053/fi_fffs_v02_batches_strd.xml": (
        "camt.053",
        [("FI7433010001222090", "EUR", 1000000, 2364483, 2307500, 943017, 0, 13)],
    ),
    "camt053/genkgo_v03_synthetic.xml": (
        "camt.053",
        [("NL26VAYB8060476890", "EUR", 1815, -2700, 885, 0, 5400, 1)],
    ),
    "camt053/goldmansachs_uk_v02_two_accounts.xml": (
        "camt.053",
        [
            ("60000635", "GBP", 6820651, 6820651, 0, 0, 0, 0),
            ("GB36GSLD04296250000970", "GBP", 33442521807, 33442512642, 20000, 40000, -10835, 6),
        ],
    ),
    "camt053/iso_mdr_example_v02_sek.xml": (
        "camt.053",
        [("50000000054910000003", "SEK", 50000000, 43567850, 13567850, 20000000, 0, 3)],
    ),
    "camt053/postfinance_ch_v04.xml": (
        "camt.053",
        [("CH2909000000250094239", "CHF", 21199319, 21511221, 473372, 7770, 153700, 5)],
    ),
    "camt053/prowide_v07_apphdr_no_entries.xml": (
        "camt.053",
        [("2345234534", "USD", None, None, 0, 0, None, 0)],
    ),
    "camt053/swiss_v08_mixed_ccy.xml": (
        "camt.053",
        [("CH1111111111111111111", "CHF", 8272195, 8451525, 56325, 2097, -125102, 3)],
    ),
    "camt054/genkgo_v02_batch_txdtls_without_amounts.xml": (
        "camt.054",
        [("CH2801234000123456789", "SEK", None, None, 0, 20000000, None, 1)],
    ),
    "camt054/genkgo_v08_batch_other_ccy.xml": (
        "camt.054",
        [("CH2801234000123456789", "SEK", None, None, 0, 20000000, None, 1)],
    ),
    "camt054/iso_example_v01.xml": (
        "camt.054",
        [("50000000054910000003", "SEK", None, None, 10567850, 0, None, 1)],
    ),
    "camt054/postfinance_ch_v04_debit_batch.xml": (
        "camt.054",
        [("CH5109000000250092291", "CHF", None, None, 0, 75000, None, 3)],
    ),
    "camt054/postfinance_ch_v04_direct_debit_collection.xml": (
        "camt.054",
        [("CH2909000000250094239", "CHF", None, None, 450, 0, None, 2)],
    ),
    "camt054/postfinance_ch_v04_return_reversal.xml": (
        "camt.054",
        [("CH5109000000250092291", "CHF", None, None, 50000, 0, None, 1)],
    ),
    "camt054/swiss_v04_reversals.xml": (
        "camt.054",
        [("CH0309000000250090342", "CHF", None, None, 8056, 2153, None, 5)],
    ),
}


def _sample_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted((SAMPLES / "camt053").glob("*.xml")) + sorted((SAMPLES / "camt054").glob("*.xml"))


needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="no shared samples here")


@needs_samples
def test_every_sample_has_expectations():
    names = {f"{p.parent.name}/{p.name}" for p in _sample_files()}
    assert names == set(EXPECTED)


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample(name):
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} not in the samples")
    statement = parse_camt(path.read_bytes(), filename=path.name)
    fmt, accounts = EXPECTED[name]
    assert statement.format == fmt
    assert statement.errors == []
    got = [
        (
            a.iban or a.account,
            a.currency,
            a.opening_balance_cents,
            a.closing_balance_cents,
            a.credits_cents,
            a.debits_cents,
            a.balance_gap_cents,
            len(a.lines),
        )
        for a in statement.accounts
    ]
    assert got == accounts
    for account in statement.accounts:
        for line in account.lines:
            assert isinstance(line.amount_cents, int)
            assert isinstance(line.booking_date, date)
            assert line.line_no and line.line_no > 1


@needs_samples
def test_sample_details():
    def lines(name):
        path = SAMPLES / name
        return [line for a in parse_camt(path.read_bytes()).accounts for line in a.lines]

    # ABN AMRO: the two SDD returns (DBIT + RvslInd) are debits; the 10-item batch is split.
    abn = lines("camt053/abnamro_v02_prcd_reversals_batches.xml")
    assert [line.amount_cents for line in abn[-2:]] == [-100, -92100]
    assert abn[-1].mandate_reference == "123456788XXmandaat"
    assert sum(1 for line in abn if line.label.startswith("/TRTP/SEPA ACCEPTGIRO BATCH")) == 10
    # genkgo v03: one TxDtls, Strd creditor reference
    (genkgo,) = lines("camt053/genkgo_v03_synthetic.xml")
    assert (genkgo.reference, genkgo.counterparty_iban) == (
        "4654654654654654",
        "NL56AGDH9619008421",
    )
    # Swiss v08: the EUR line in a CHF account says so; Dbtr/Pty/Nm is read.
    swiss = lines("camt053/swiss_v08_mixed_ccy.xml")
    assert [line.currency for line in swiss] == ["", "", "EUR"]
    assert swiss[0].counterparty_name == "Jon Doe"
    assert swiss[1].reference == "RF38000000000000000000552"
    # camt.054 v01: BookgDt/DtTm with a leading space, account in PrtryAcct
    (v01,) = lines("camt054/iso_example_v01.xml")
    assert v01.booking_date == date(2007, 10, 18)
    assert v01.counterparty_name == "MUELLER"
    # genkgo v02: three TxDtls without amounts → one line carrying all their texts
    (batch,) = lines("camt054/genkgo_v02_batch_txdtls_without_amounts.xml")
    assert batch.amount_cents == -20000000
    assert batch.label.count(" | ") == 2
    # PostFinance return: CRDT + RvslInd, the money comes back (a credit)
    (returned,) = lines("camt054/postfinance_ch_v04_return_reversal.xml")
    assert returned.amount_cents == 50000
    assert returned.end_to_end_id == "EndToEndId-001-03-04"
    # Swiss reversals of direct debits: debits naming the original debtor
    reversals = lines("camt054/swiss_v04_reversals.xml")[-2:]
    assert [(r.amount_cents, r.counterparty_name) for r in reversals] == [
        (-600, "Bernasconi Maria"),
        (-1553, "Rutschmann Pia"),
    ]


@needs_samples
def test_mixed_currency_balance_warns():
    path = SAMPLES / "camt053" / "genkgo_v03_synthetic.xml"
    statement = parse_camt(path.read_bytes(), filename=path.name)
    assert statement.warnings == [
        "camt.053 1 (NL26VAYB8060476890) : solde de clôture en SEK, compte en EUR"
    ]
