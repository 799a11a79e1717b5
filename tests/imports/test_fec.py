"""FEC → the open customer items (unlettered 411 lines, per customer and piece)."""

from __future__ import annotations

import csv
import re
import time
from datetime import date
from pathlib import Path

import pytest

from recouvra.imports.parsers.fec import FEC_COLUMNS, fec_layout, iter_fec_rows, parse_fec
from recouvra.imports.parsers.tabular import detect_encoding
from recouvra.imports.records import ParseError, RowError

from ..samples import SHARED_SAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
SAMPLES = SHARED_SAMPLES
SMALL = "fec_small.txt"


def small() -> bytes:
    return (DATA / SMALL).read_bytes()


def summary(ledger) -> list[tuple]:  # noqa: ANN001
    return [
        (c.debtor_account, c.reference, c.amount_cents, c.issue_date, c.debtor_name)
        for c in ledger.claims
    ]


EXPECTED = [
    ("C001", "F001", 120000, date(2024, 1, 5), "DUPONT SARL"),
    ("C001", "F003", 20000, date(2024, 1, 15), "DUPONT SARL"),  # invoice − credit note
    ("411LEROY", "VE004", 9990, date(2024, 2, 1), "LEROY Paul"),  # no PieceRef, no aux
    ("C004", "RG002", -5000, date(2024, 2, 15), "GARAGE DURAND"),  # unmatched payment
]


def test_the_small_fec_fixture() -> None:
    ledger = parse_fec(small(), filename=SMALL)
    assert ledger.format == "fec"
    assert summary(ledger) == EXPECTED
    assert ledger.errors == []
    assert {c.due_date for c in ledger.claims} == {None}  # the FEC has none
    assert [c.line_no for c in ledger.claims] == [2, 9, 13, 20]
    # the lettered MARTIN invoice, the zero F005 piece and the 401 supplier line are left out
    assert not {"C002", "C003", "F100"} & {c.debtor_account for c in ledger.claims}
    assert "1 pièce(s) client non lettrée(s) mais soldée(s), ignorée(s)" in ledger.warnings
    assert not any("déséquilibré" in w for w in ledger.warnings)
    assert any("échéance" in w for w in ledger.warnings)


def test_iter_fec_rows_gives_the_18_fields() -> None:
    rows = list(iter_fec_rows(small(), SMALL))
    assert len(rows) == 21
    assert {len(row) for row in rows} == {18}
    assert rows[0][:5] == ["VE", "Ventes", "VE001", "20240105", "411000"]
    assert sum(row[4].startswith("411") for row in rows) == 9
    layout = fec_layout(small())
    assert (layout.variant, layout.separator, layout.columns) == (
        "debit_credit",
        b"\t",
        list(FEC_COLUMNS),
    )


def to_fixed_width_pipe(data: bytes, *, encoding: str = "iso-8859-15") -> bytes:
    """The same FEC as a padded, |-separated, CRLF, trailing-separator Latin-9 export."""
    lines = data.decode("utf-8").splitlines()
    rows = [line.split("\t") for line in lines]
    widths = [max(len(row[i]) for row in rows[1:]) for i in range(18)]
    out = ["|".join(rows[0]) + "|"]
    for row in rows[1:]:
        cells = []
        for i, cell in enumerate(row):
            if i in (11, 12):  # amounts zero-padded, like 0000000074,70
                cell = cell.rjust(13, "0")
            elif i == 13 and not cell:
                cell = "  "
            else:
                cell = cell.ljust(widths[i])
            cells.append(cell)
        out.append("|".join(cells) + "|")
    text = "\r\n".join(out)  # no final newline
    return text.replace("Règlement MARTIN", "Règlement € MARTIN").encode(encoding)


def test_fixed_width_pipe_latin9_with_trailing_separator() -> None:
    data = to_fixed_width_pipe(small())
    assert b"\xa4" in data  # € in ISO-8859-15
    assert detect_encoding(data) == "iso-8859-15"
    ledger = parse_fec(data, filename="padded.txt")
    assert summary(ledger) == EXPECTED
    assert ledger.errors == []
    rows = list(iter_fec_rows(data))
    assert {len(row) for row in rows} == {18}
    assert "Règlement € MARTIN" in {row[10] for row in rows}
    assert "ÉPICERIE DU MARCHÉ" in {row[7] for row in rows}


def to_montant_sens(data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines()
    header = lines[0].replace("Debit\tCredit", "Montant\tSens")
    out = [header.replace("\t", "|")]
    for line in lines[1:]:
        cells = line.split("\t")
        debit, credit = cells[11], cells[12]
        cells[11:13] = [debit, "D"] if debit != "0,00" else [credit, "C"]
        out.append("|".join(cells))
    return "\n".join(out).encode("utf-8")


def test_montant_sens_variant() -> None:
    ledger = parse_fec(to_montant_sens(small()), filename="ms.txt")
    assert fec_layout(to_montant_sens(small())).variant == "montant_sens"
    assert summary(ledger) == EXPECTED
    assert ledger.errors == []
    assert not any("déséquilibré" in w for w in ledger.warnings)


def test_a_truncated_fec_keeps_the_complete_lines_and_says_it_does_not_balance() -> None:
    data = small()
    cut = data[: data.index(b"BQ\tBanque\tBQ002\t20240215\t411000") + 25]
    ledger = parse_fec(cut, filename="cut.txt")
    assert summary(ledger) == EXPECTED[:3]
    assert ledger.errors == [
        RowError(
            line=20,
            field="",
            reason="5 champs au lieu de 18 (ligne tronquée ou séparateur dans un champ)",
            file="cut.txt",
        )
    ]
    assert any("FEC déséquilibré" in w for w in ledger.warnings)


def test_bad_amounts_and_sens_are_row_errors() -> None:
    data = small().replace(b"\t240,00\t0,00\t", b"\t2x40,00\t0,00\t", 1)
    ledger = parse_fec(data, filename="bad.txt")
    assert [(e.line, e.field, e.reason) for e in ledger.errors] == [
        (9, "amount", "montant illisible : « 2x40,00 / 0,00 »")
    ]
    # the credit note alone is left on F003
    assert ("C001", "F003", -4000) in [(a, r, c) for a, r, c, _, _ in summary(ledger)]
    bad_sens = to_montant_sens(small()).replace(b"|1200,00|D|", b"|1200,00|X|")
    ledger = parse_fec(bad_sens)
    assert [(e.line, e.field) for e in ledger.errors] == [(2, "sens")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"N\xb0 facture;Montant\nF1;12,00\n",
        b"JournalCode\tJournalLib\n",
        "\t".join(FEC_COLUMNS[:11]).encode(),  # no Debit/Credit
    ],
)
def test_not_a_fec(data: bytes) -> None:
    with pytest.raises(ParseError, match="en-tête FEC introuvable") as caught:
        parse_fec(data, filename="pas-un-fec.txt")
    assert "pas-un-fec.txt" in str(caught.value)


def test_utf8_bom_crlf_and_blank_lines() -> None:
    data = b"\xef\xbb\xbf" + small().replace(b"\n", b"\r\n\r\n")
    ledger = parse_fec(data)
    assert summary(ledger) == EXPECTED
    assert ledger.errors == []


def test_a_fec_without_customer_lines() -> None:
    lines = small().decode().splitlines()
    data = "\n".join(line for line in lines if "\t411" not in line).encode()
    ledger = parse_fec(data)
    assert ledger.claims == []
    assert "aucune ligne sur un compte client (411)" in ledger.warnings


# The real samples -------------------------------------------------------------------------


def provenance() -> dict[str, dict[str, str]]:
    with open(SAMPLES / "PROVENANCE.tsv", encoding="utf-8", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


FEC_SAMPLES = sorted((SAMPLES / "fec").iterdir()) if (SAMPLES / "fec").is_dir() else []


@pytest.mark.skipif(not FEC_SAMPLES, reason=f"no samples in {SAMPLES}")
@pytest.mark.parametrize("path", FEC_SAMPLES, ids=lambda p: p.name)
def test_fec_sample_matches_provenance(path: Path) -> None:
    notes = provenance()[f"fec/{path.name}"]["notes"]
    data = path.read_bytes()

    # encoding: "ISO-8859-15/Latin-1 (not valid UTF-8)" or "UTF-8"
    declared = re.search(r"encoding=([\w-]+)", notes).group(1).lower()
    assert detect_encoding(data) == declared

    rows = list(iter_fec_rows(data, path.name))
    customer = [row for row in rows if row[4].startswith("411")]
    assert len(customer) == int(re.search(r"411 lines=(\d+)", notes).group(1))
    if lettered := re.search(r"(\d+) of (\d+) lines on 411 are lettered", notes):
        assert sum(1 for row in customer if row[13]) == int(lettered.group(1))
    variant = re.search(r"variant=(\S+?);", notes).group(1)
    assert fec_layout(data).variant == {"Debit/Credit": "debit_credit"}.get(variant, "montant_sens")

    ledger = parse_fec(data, filename=path.name)
    assert ledger.errors == []
    if "debits == credits" in notes:
        assert not any("déséquilibré" in w for w in ledger.warnings)
    # the claims add up to the unlettered 411 lines, computed independently
    expected = 0
    for row in customer:
        if row[13]:
            continue
        if variant == "Debit/Credit":
            expected += _cents(row[11]) - _cents(row[12])
        else:
            expected += _cents(row[11]) * (1 if row[12] == "D" else -1)
    assert sum(c.amount_cents for c in ledger.claims) == expected
    assert all(c.amount_cents and c.reference and c.debtor_account for c in ledger.claims)


def _cents(text: str) -> int:
    units, _, decimals = text.partition(",")
    return int(units or 0) * 100 + int((decimals + "00")[:2])


@pytest.mark.skipif(not FEC_SAMPLES, reason=f"no samples in {SAMPLES}")
def test_the_real_world_fec_figures() -> None:
    ledger = parse_fec((SAMPLES / "fec" / "111111111FEC20221231.TXT").read_bytes())
    assert (len(ledger.claims), sum(c.amount_cents for c in ledger.claims)) == (28, 1441652)
    first = ledger.claims[0]
    assert (first.reference, first.debtor_account, first.debtor_name) == (
        "VE  0323",  # inner padding kept, outer stripped
        "41104752",
        "U EXPRESS MONTEUX",
    )
    assert any("plusieurs factures" in w for w in ledger.warnings)  # monthly PieceRef


# Volume -----------------------------------------------------------------------------------


def make_fec(lines: int, *, separator: str = "\t", customers: int = 5000) -> bytes:
    """A balanced FEC of about `lines` lines, for volume tests and benches.

    Each sale is 411 debit / 706 credit / 44571 credit; every other sale is paid
    (512 debit / 411 credit) and both its 411 lines are lettered. So 3/8 of the lines
    are on 411 and one sale in two stays open, as one claim.
    """

    def amount(cents: int) -> str:
        return f"{cents // 100},{cents % 100:02d}"

    out = [separator.join(FEC_COLUMNS)]
    count = entry = 0
    while count < lines:
        entry += 1
        customer = f"C{entry % customers:05d}"
        name = f"CLIENT {entry % customers}"
        day = f"2024{entry % 12 + 1:02d}{entry % 28 + 1:02d}"
        net = 1000 + entry * 7919 % 900000
        tax = net // 5
        piece = f"FA{entry:08d}"
        letter = "AB" if entry % 2 else ""
        sale = ("VE", "Ventes", f"VE{entry}", day)
        rows = [
            (*sale, "41100000", "Clients", customer, name, piece, day, "Facture",
             amount(net + tax), "0,00", letter, day if letter else "", day, "", ""),
            (*sale, "70600000", "Prestations", "", "", piece, day, "Facture",
             "0,00", amount(net), "", "", day, "", ""),
            (*sale, "44571000", "TVA collectée", "", "", piece, day, "Facture",
             "0,00", amount(tax), "", "", day, "", ""),
        ]  # fmt: skip
        if letter:
            bank = ("BQ", "Banque", f"BQ{entry}", day)
            rows += [
                (*bank, "51200000", "Banque", "", "", f"RG{entry}", day, "Règlement",
                 amount(net + tax), "0,00", "", "", day, "", ""),
                (*bank, "41100000", "Clients", customer, name, f"RG{entry}", day, "Règlement",
                 "0,00", amount(net + tax), letter, day, day, "", ""),
            ]  # fmt: skip
        out.extend(separator.join(row) for row in rows)
        count += len(rows)
    return ("\n".join(out) + "\n").encode("iso-8859-15")


def test_a_large_generated_fec() -> None:
    data = make_fec(40_000)
    started = time.perf_counter()
    ledger = parse_fec(data, filename="big.txt")
    elapsed = time.perf_counter() - started
    lines = data.count(b"\n") - 1
    assert len(ledger.claims) == lines // 8  # 8 lines per pair of sales, one stays open
    assert all(c.amount_cents > 0 for c in ledger.claims)
    assert ledger.errors == []
    assert not any("déséquilibré" in w for w in ledger.warnings)
    # not a benchmark (bench/ is for that), only a guard against an accidental slow path
    assert elapsed / lines < 50e-6
