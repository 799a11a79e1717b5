"""Benchmark: parse a 200,000-line CFONB 120 statement and a 200,000-entry camt.053.

Prints lines per second for recouvra's parsers and the ratio to a floor measured in the
same run: for CFONB, a bare loop slicing the amount out of each record; for camt.053,
lxml iterparse reading each entry's amount and nothing else.

    python bench/bank_parsing.py [--lines N]
"""

from __future__ import annotations

import argparse
import io
import random
import time

from lxml import etree

from recouvra.imports.parsers.camt import parse_camt
from recouvra.imports.parsers.cfonb120 import parse_cfonb120
from recouvra.imports.parsers.cfonb_writer import cfonb_amount, cfonb_record


def make_cfonb(lines: int, seed: int = 5) -> bytes:
    rng = random.Random(seed)
    common = {3: "30003", 12: "01234", 17: "EUR", 20: "2", 22: "00012345678"}
    records = [cfonb_record({1: "01", **common, 35: "010126", 91: cfonb_amount(1_000_000)})]
    total = 1_000_000
    for i in range(lines):
        cents = rng.randrange(100, 500_000)
        total += cents
        label = f"VIR SEPA CLIENT {i:06d} FA{i:08d}"[:31]
        fields = {1: "04", **common, 8: "0512", 33: "05", 35: "010126", 43: "010126"}
        fields.update({49: label, 82: f"{i % 10_000_000:07d}", 91: cfonb_amount(cents)})
        records.append(cfonb_record(fields))
    records.append(cfonb_record({1: "07", **common, 35: "020126", 91: cfonb_amount(total)}))
    return ("\r\n".join(records) + "\r\n").encode("ascii")


def make_camt(entries: int, seed: int = 6) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-01-02T00:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><CreDtTm>2026-01-02T00:00:00</CreDtTm>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    )
    total = 0
    body = io.StringIO()
    for i in range(entries):
        cents = rng.randrange(100, 500_000)
        total += cents
        body.write(
            f'<Ntry><Amt Ccy="EUR">{cents // 100}.{cents % 100:02d}</Amt>'
            "<CdtDbtInd>CRDT</CdtDbtInd>"
            "<Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt><ValDt><Dt>2026-01-02</Dt></ValDt>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E{i}</EndToEndId></Refs>"
            f"<RltdPties><Dbtr><Nm>Client {i}</Nm></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>FA{i:08d}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    opening = 1_000_000
    for code, cents in (("OPBD", opening), ("CLBD", opening + total)):
        out.write(
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">'
            f"{cents // 100}.{cents % 100:02d}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            "<Dt><Dt>2026-01-02</Dt></Dt></Bal>"
        )
    out.write(body.getvalue())
    out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return out.getvalue().encode("utf-8")


def cfonb_floor(data: bytes) -> int:
    total = 0
    for record in data.split(b"\r\n"):
        if record[:2] == b"04":
            total += int(record[90:103])
    return total


def camt_floor(data: bytes) -> int:
    total = 0
    tag = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.02}Ntry"
    for _, element in etree.iterparse(io.BytesIO(data), tag=tag):
        total += len(element[0].text)
        element.clear()
    return total


def timed(fn, data: bytes) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


def report(name: str, count: int, real: float, floor: float) -> None:
    print(
        f"  {name}: {count / real:,.0f} lines/s ({real:.2f} s); floor {count / floor:,.0f} "
        f"lines/s ({floor:.2f} s); ratio {real / floor:.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    lines = parser.parse_args().lines
    print(f"bank_parsing: {lines:,}-line statements")
    cfonb = make_cfonb(lines)
    statement = parse_cfonb120(cfonb)
    assert len(statement.accounts[0].lines) == lines and statement.accounts[0].balanced
    report("CFONB 120", lines, timed(parse_cfonb120, cfonb), timed(cfonb_floor, cfonb))
    camt = make_camt(lines)
    statement = parse_camt(camt)
    assert len(statement.accounts[0].lines) == lines and statement.accounts[0].balanced
    report("camt.053", lines, timed(parse_camt, camt), timed(camt_floor, camt))


if __name__ == "__main__":
    main()
