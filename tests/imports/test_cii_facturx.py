"""CII invoices and Factur-X / ZUGFeRD PDFs: own fixture, rules, bad input, real samples."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers.cii import parse_cii
from recouvra.imports.parsers.facturx import NO_EMBEDDED_XML, parse_facturx
from recouvra.imports.records import ParseError

from ..samples import SHARED_SAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "invoices"
SAMPLES = SHARED_SAMPLES
FIXTURE = DATA / "cii_small.xml"


def _small() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def _variant(*replacements: tuple[str, str]) -> bytes:
    text = _small()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


def _pdf(attachments: dict[str, bytes] | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, content in (attachments or {}).items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- own fixture ---------------------------------------------------------------------------


def test_small_fixture():
    ledger = parse_cii(FIXTURE.read_bytes(), filename="cii_small.xml")
    assert ledger.format == "cii"
    assert ledger.errors == []
    assert ledger.warnings == []
    (claim,) = ledger.claims
    assert claim.reference == "F2024-0042"
    assert claim.issue_date == date(2024, 1, 15)
    assert claim.due_date == date(2024, 2, 14)
    assert claim.amount_cents == 120000
    assert claim.currency == "EUR"
    assert claim.debtor_name == "DUBOIS SARL"
    assert claim.debtor_siren == "732829320"
    assert claim.debtor_vat == "FR44732829320"  # spaces dropped
    assert claim.debtor_account == "411DUBOIS"  # BuyerTradeParty/ID (BT-46)
    assert claim.seller_name == "RECOUVRA DEMO SAS"
    assert claim.seller_siren == "123456782"
    assert claim.payment_terms.startswith("Paiement à 30 jours.")
    assert claim.line_no == 9


# --- rules ---------------------------------------------------------------------------------


def test_siret_gives_its_siren():
    data = _variant(('"0002">732829320', '"0002">73282932000074'))
    assert parse_cii(data).claims[0].debtor_siren == "732829320"


def test_invalid_siren_is_kept_with_a_warning():
    ledger = parse_cii(_variant(('"0002">732829320', '"0002">98765432100029')))
    assert ledger.claims[0].debtor_siren == "987654321"
    assert ledger.warnings == ["buyer SIREN 987654321 fails the Luhn check (kept as written)"]


def test_legal_id_of_another_scheme_is_not_a_siren():
    ledger = parse_cii(_variant(('schemeID="0002">732829320', 'schemeID="0088">3654789851')))
    assert ledger.claims[0].debtor_siren == ""


@pytest.mark.parametrize("code", ["381", "261", "396"])
def test_credit_note_is_negative(code):
    ledger = parse_cii(_variant(("<ram:TypeCode>380<", f"<ram:TypeCode>{code}<")))
    assert ledger.claims[0].amount_cents == -120000


def test_credit_note_with_negative_totals_stays_a_credit():
    ledger = parse_cii(
        _variant(
            ("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>381</ram:TypeCode>"),
            ("<ram:DuePayableAmount>1200.00", "<ram:DuePayableAmount>-1200.00"),
            ("<ram:GrandTotalAmount>1200.00", "<ram:GrandTotalAmount>-1200.00"),
        )
    )
    assert ledger.claims[0].amount_cents == -120000
    assert ledger.warnings == ["credit note (TypeCode 381) with negative totals: read as a credit"]


def test_invoice_with_negative_totals_keeps_its_sign():
    ledger = parse_cii(_variant(("<ram:DuePayableAmount>1200.00", "<ram:DuePayableAmount>-1200")))
    assert ledger.claims[0].amount_cents == -120000


def test_self_billed_invoice_389_is_owed_by_the_buyer():
    ledger = parse_cii(_variant(("<ram:TypeCode>380<", "<ram:TypeCode>389<")))
    assert ledger.claims[0].amount_cents == 120000
    assert ledger.warnings == [
        "TypeCode 389 (self-billed invoice): issued by the buyer, owed to the seller"
    ]


def test_prepaid_invoice_claims_the_amount_due():
    ledger = parse_cii(_variant(("<ram:DuePayableAmount>1200.00", "<ram:DuePayableAmount>700")))
    assert ledger.claims[0].amount_cents == 70000
    assert ledger.warnings == [
        "amount due 700.00 differs from the grand total 1200.00 (prepaid 500.00)"
    ]


def test_grand_total_when_no_amount_due():
    data = _variant(("<ram:DuePayableAmount>1200.00</ram:DuePayableAmount>", ""))
    assert parse_cii(data).claims[0].amount_cents == 120000


def test_no_due_date_keeps_the_terms():
    start = _small().index("        <ram:DueDateDateTime>")
    end = _small().index("</ram:DueDateDateTime>") + len("</ram:DueDateDateTime>")
    data = _variant((_small()[start:end], ""))
    claim = parse_cii(data).claims[0]
    assert claim.due_date is None
    assert "30 jours" in claim.payment_terms


def test_no_amount_is_a_parse_error():
    data = _variant(
        ("<ram:DuePayableAmount>1200.00</ram:DuePayableAmount>", ""),
        ("<ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>", ""),
    )
    with pytest.raises(ParseError, match="pas de montant") as caught:
        parse_cii(data, filename="f.xml")
    assert caught.value.file == "f.xml"
    assert caught.value.line is not None


def test_no_invoice_number_is_a_parse_error():
    with pytest.raises(ParseError, match="pas de numéro de facture"):
        parse_cii(_variant(("<ram:ID>F2024-0042</ram:ID>", "")))


def test_amount_with_three_decimals_is_refused():
    data = _variant(("<ram:DuePayableAmount>1200.00", "<ram:DuePayableAmount>1200.005"))
    with pytest.raises(ParseError, match="plus de 2 décimales") as caught:
        parse_cii(data)
    assert caught.value.field == "DuePayableAmount"


def test_unknown_profile_warns():
    ledger = parse_cii(_variant(("urn:cen.eu:en16931:2017", "urn:example:custom")))
    assert ledger.warnings == ["unknown profile urn:example:custom"]


def test_legacy_zugferd_1():
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
    <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter></rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument><ram:ID>Z1-7</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20140711</udt:DateTimeString>
    </ram:IssueDateTime></rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Verkaeufer GmbH</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Kaeufer AG</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:GrandTotalAmount currencyID="EUR">1005.55</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>"""
    ledger = parse_cii(data)
    claim = ledger.claims[0]
    assert (claim.reference, claim.amount_cents, claim.debtor_name) == (
        "Z1-7",
        100555,
        "Kaeufer AG",
    )
    assert claim.issue_date == date(2014, 7, 11)
    assert ledger.warnings[0].startswith("legacy ZUGFeRD 1.0 invoice")


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "les factures UBL ne sont pas prises en charge",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>',
            "pas une facture CII : élément racine <Document>",
        ),
    ],
    ids=["ubl", "camt"],
)
def test_wrong_root(data, message):
    with pytest.raises(ParseError, match=message) as caught:
        parse_cii(data, filename="x.xml")
    assert (caught.value.file, caught.value.line) == ("x.xml", 1)


def test_truncated_invoice():
    with pytest.raises(ParseError, match="XML mal formé") as caught:
        parse_cii(FIXTURE.read_bytes()[:1500], filename="cut.xml")
    assert caught.value.file == "cut.xml"
    assert caught.value.line and caught.value.line > 1


def test_external_entity_refused():
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<rsm:CrossIndustryInvoice xmlns:rsm='x'>&x;</rsm:CrossIndustryInvoice>"
    )
    with pytest.raises(ParseError, match="entités XML") as caught:
        parse_cii(data, filename="xxe.xml")
    assert (caught.value.file, caught.value.line) == ("xxe.xml", 2)


# --- Factur-X PDFs -------------------------------------------------------------------------


def test_facturx_pdf_built_with_the_factur_x_library():
    facturx = pytest.importorskip("facturx")
    pdf = facturx.generate_from_binary(_pdf(), FIXTURE.read_bytes(), check_xsd=False)
    ledger = parse_facturx(pdf, filename="invoice.pdf")
    assert ledger.format == "facturx"
    (claim,) = ledger.claims
    assert (claim.reference, claim.amount_cents, claim.debtor_siren) == (
        "F2024-0042",
        120000,
        "732829320",
    )
    assert claim.due_date == date(2024, 2, 14)


@pytest.mark.parametrize("name", ["ZUGFeRD-invoice.xml", "zugferd-invoice.xml", "xrechnung.xml"])
def test_other_embedded_names(name):
    ledger = parse_facturx(_pdf({name: FIXTURE.read_bytes()}))
    assert ledger.claims[0].reference == "F2024-0042"


def test_factur_x_xml_is_preferred():
    other = _variant(("<ram:ID>F2024-0042</ram:ID>", "<ram:ID>OTHER</ram:ID>"))
    pdf = _pdf({"xrechnung.xml": other, "factur-x.xml": FIXTURE.read_bytes()})
    assert parse_facturx(pdf).claims[0].reference == "F2024-0042"


def test_pdf_without_invoice():
    pdf = _pdf({"notes.txt": b"hello"})
    with pytest.raises(ParseError, match=NO_EMBEDDED_XML) as caught:
        parse_facturx(pdf, filename="scan.pdf")
    assert caught.value.file == "scan.pdf"


@pytest.mark.parametrize(
    "data", [b"not a pdf at all", b"%PDF-1.7\n garbage \x00\x01"], ids=["text", "broken"]
)
def test_not_a_readable_pdf(data):
    with pytest.raises(ParseError) as caught:
        parse_facturx(data, filename="bad.pdf")
    assert caught.value.file == "bad.pdf"


def test_embedded_xml_with_entities_refused():
    evil = b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"
    with pytest.raises(ParseError, match="entités XML") as caught:
        parse_facturx(_pdf({"factur-x.xml": evil}), filename="evil.pdf")
    assert caught.value.file == "evil.pdf [factur-x.xml]"


def test_embedded_xml_errors_name_the_pdf_and_the_attachment():
    with pytest.raises(ParseError, match="XML mal formé") as caught:
        parse_facturx(_pdf({"factur-x.xml": b"<a><b></a>"}), filename="i.pdf")
    assert (caught.value.file, caught.value.line) == ("i.pdf [factur-x.xml]", 1)


# --- real samples --------------------------------------------------------------------------

# file → (reference, issue, due, amount, currency, debtor, debtor SIREN, seller SIREN,
#         a SIREN Luhn warning expected)
# SIREN figures and Luhn checks, missing due dates, prepaid and credit notes: PROVENANCE
# notes; amounts as written in each file's DuePayableAmount.
EXPECTED = {
    "cii_xml/cii_basic_471102_de.xml": (
        "471102",
        date(2024, 11, 15),
        date(2024, 12, 15),
        23562,
        "EUR",
        "Kunden AG Mitte",
        "",
        "",
        False,
    ),
    "cii_xml/cii_en16931_F20200024_fr.xml": (
        "F20200024",
        date(2020, 1, 15),
        date(2020, 2, 15),
        10800,
        "EUR",
        "LE CLIENT",
        "987654321",  # first 9 digits of the SIRET 98765432100029; Luhn invalid
        "123456789",
        True,
    ),
    "cii_xml/cii_en16931_FAC-20171118-506_fr.xml": (
        "FAC-20171118-506",
        date(2017, 11, 18),
        date(2017, 12, 9),
        57104,
        "EUR",
        "Maison de Evenements SAS",
        "",  # no SIREN/SIRET at all
        "",
        False,
    ),
    "cii_xml/cii_extended_F202600004_commented_fr.xml": (
        "F202600004",
        date(2026, 1, 3),
        date(2026, 2, 2),
        615000,
        "EUR",
        "LE CLIENT",
        "200000008",
        "100000009",
        False,
    ),
    "cii_xml/cii_minimum_FA-2017-0010_prepaid_fr.xml": (
        "FA-2017-0010",
        date(2017, 11, 13),
        None,
        47015,  # DuePayable 470.15 < GrandTotal 671.15
        "EUR",
        "Ma jolie boutique",
        "787878784",
        "999999998",
        False,
    ),
    "cii_xml/cii_minimum_avoir_negative_AV-2017-0005_fr.xml": (
        "AV-2017-0005",
        date(2017, 11, 16),
        None,
        -23347,  # credit note sent as 380 with negative totals
        "EUR",
        "Ma jolie boutique",
        "787878784",
        "999999998",
        False,
    ),
    "cii_xml/cii_xrechnung12_471102_de.xml": (
        "471102",
        date(2018, 3, 5),
        None,
        52987,
        "EUR",
        "Kunden AG Mitte",
        "",
        "",
        False,
    ),
    "facturx_pdf/fx_basicwl_F20220023_fr.pdf": (
        "F20220023",
        date(2022, 1, 31),
        date(2022, 3, 2),
        10490,
        "EUR",
        "LE CLIENT",
        "987654321",
        "123456782",
        True,
    ),
    "facturx_pdf/fx_basicwl_avoir_negative_AV-2017-0005_fr.pdf": (
        "AV-2017-0005",
        date(2017, 11, 16),
        date(2017, 11, 16),
        -23347,
        "EUR",
        "Ma jolie boutique",
        "787878784",
        "999999998",
        False,
    ),
    "facturx_pdf/fx_en16931_F20220023_fr.pdf": (
        "F20220023",
        date(2022, 1, 31),
        date(2022, 3, 2),
        10490,
        "EUR",
        "LE CLIENT",
        "987654321",
        "123456782",
        True,
    ),
    "facturx_pdf/fx_extended_F20220023_fr.pdf": (
        "F20220023",
        date(2022, 1, 31),
        date(2022, 3, 2),
        10490,
        "EUR",
        "LE CLIENT",
        "987654321",
        "123456782",
        True,
    ),
    "facturx_pdf/fx_minimum_F20220023_fr.pdf": (
        "F20220023",
        date(2022, 1, 31),
        None,
        10490,
        "EUR",
        "LE CLIENT",
        "987654321",
        "123456782",
        True,
    ),
    "facturx_pdf/zf10_basic_legacy_kraxi.pdf": (
        "2014-03",
        date(2014, 7, 11),
        None,
        100555,
        "EUR",
        "Papierflieger-Vertriebs-GmbH",
        "",
        "",
        False,
    ),
    "facturx_pdf/zf21_en16931_einfach_duedate_de.pdf": (
        "471102",
        date(2024, 11, 15),
        date(2024, 12, 15),
        52987,
        "EUR",
        "Kunden AG Mitte",
        "",
        "",
        False,
    ),
    "facturx_pdf/zf21_en16931_gutschrift_typecode389_de.pdf": (
        "471102",
        date(2024, 11, 15),
        None,
        52987,  # 389 = self-billed invoice: still owed by the buyer
        "EUR",
        "Kunden AG Mitte",
        "",
        "",
        False,
    ),
}

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="no shared samples here")


@needs_samples
def test_every_sample_has_expectations():
    names = {
        f"{p.parent.name}/{p.name}"
        for folder, pattern in (("cii_xml", "*.xml"), ("facturx_pdf", "*.pdf"))
        for p in (SAMPLES / folder).glob(pattern)
    }
    assert names == set(EXPECTED)


@needs_samples
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample(name):
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} not in the samples")
    parse = parse_facturx if path.suffix == ".pdf" else parse_cii
    ledger = parse(path.read_bytes(), filename=path.name)
    assert ledger.format == ("facturx" if path.suffix == ".pdf" else "cii")
    assert ledger.errors == []
    (claim,) = ledger.claims
    ref, issued, due, amount, currency, debtor, debtor_siren, seller_siren, luhn = EXPECTED[name]
    assert (claim.reference, claim.issue_date, claim.due_date) == (ref, issued, due)
    assert (claim.amount_cents, claim.currency) == (amount, currency)
    assert (claim.debtor_name, claim.debtor_siren, claim.seller_siren) == (
        debtor,
        debtor_siren,
        seller_siren,
    )
    luhn_warning = f"buyer SIREN {debtor_siren} fails the Luhn check (kept as written)"
    assert (luhn_warning in ledger.warnings) is luhn


@needs_samples
def test_sample_details():
    def parse(name):
        path = SAMPLES / name
        reader = parse_facturx if path.suffix == ".pdf" else parse_cii
        return reader(path.read_bytes(), filename=path.name)

    prepaid = parse("cii_xml/cii_minimum_FA-2017-0010_prepaid_fr.xml")
    assert "prepaid 201.00" in prepaid.warnings[0]
    assert prepaid.claims[0].debtor_vat == "FR19787878784"
    xrechnung = parse("cii_xml/cii_xrechnung12_471102_de.xml").claims[0]
    assert xrechnung.payment_terms.startswith("Zahlbar innerhalb 30 Tagen netto")
    assert xrechnung.debtor_account == "GE2020211"
    legacy = parse("facturx_pdf/zf10_basic_legacy_kraxi.pdf")
    assert legacy.warnings[0].startswith("legacy ZUGFeRD 1.0 invoice")
    assert legacy.claims[0].payment_terms.startswith("Zahlbar innerhalb von 30 Tagen")
    gutschrift = parse("facturx_pdf/zf21_en16931_gutschrift_typecode389_de.pdf")
    assert "TypeCode 389 (self-billed invoice)" in gutschrift.warnings[0]
    assert gutschrift.claims[0].debtor_vat == "DE136695976"
    f2020 = parse("cii_xml/cii_en16931_F20200024_fr.xml").claims[0]
    assert f2020.debtor_vat == "FR05987654321"
