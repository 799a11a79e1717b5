"""Benchmark: import a 1,000,000-line FEC into the ledger, against a floor.

The generated FEC has one sales entry per invoice (411 customer debit, 706 sales credit,
44571 VAT credit) and a payment entry (512 bank debit, 411 credit, lettered with the
invoice) for most invoices: 1,000,000 lines in all. The open items are the unlettered
411 lines, which become claims.

Floor: read the same file with the csv module, keep the unlettered 411 lines, and insert
them with one executemany into a plain table of the same database. recouvra's import
(parse_fec + import_claims: debtors, cases, claims, timeline) should stay within 3×.

    python bench/fec_import.py [--lines N]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
    "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
    "ValidDate\tMontantdevise\tIdevise"
)


def make_fec(lines: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    out = [HEADER]
    invoice = 0
    while len(out) - 1 < lines:
        invoice += 1
        customer = rng.randrange(1, 20_000)
        ht = rng.randrange(1_000, 2_000_000)
        tva = ht // 5
        ttc = ht + tva
        day = f"2026{rng.randrange(1, 10):02d}{rng.randrange(1, 29):02d}"
        ref = f"FA{invoice:08d}"
        paid = rng.random() < 0.75
        letter = f"L{invoice:06d}" if paid else ""
        aux, name = f"C{customer:06d}", f"Client {customer}"
        amount = f"{ttc // 100},{ttc % 100:02d}"
        out.append(
            f"VE\tVentes\t{invoice}\t{day}\t411000\tClients\t{aux}\t{name}\t{ref}\t{day}\t"
            f"Facture {ref}\t{amount}\t0,00\t{letter}\t{day if paid else ''}\t{day}\t\t"
        )
        out.append(
            f"VE\tVentes\t{invoice}\t{day}\t706000\tVentes\t\t\t{ref}\t{day}\t"
            f"Facture {ref}\t0,00\t{ht // 100},{ht % 100:02d}\t\t\t{day}\t\t"
        )
        out.append(
            f"VE\tVentes\t{invoice}\t{day}\t445710\tTVA collectée\t\t\t{ref}\t{day}\t"
            f"Facture {ref}\t0,00\t{tva // 100},{tva % 100:02d}\t\t\t{day}\t\t"
        )
        if paid:
            out.append(
                f"BQ\tBanque\tP{invoice}\t{day}\t512000\tBanque\t\t\t{ref}\t{day}\t"
                f"Règlement {ref}\t{amount}\t0,00\t\t\t{day}\t\t"
            )
            out.append(
                f"BQ\tBanque\tP{invoice}\t{day}\t411000\tClients\t{aux}\t{name}\t{ref}\t{day}\t"
                f"Règlement {ref}\t0,00\t{amount}\t{letter}\t{day}\t{day}\t\t"
            )
    return ("\n".join(out[: lines + 1]) + "\n").encode("utf-8")


def setup_django(workdir: str) -> None:
    os.environ["RECOUVRA_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvra.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def run_import(data: bytes) -> int:
    from django.core.files.base import ContentFile

    from recouvra.core.models import Organization
    from recouvra.imports.ledger_import import import_claims
    from recouvra.imports.models import ImportBatch
    from recouvra.imports.parsers.fec import parse_fec
    from recouvra.ledger.models import Creditor

    org = Organization.objects.create(name="Bench SA", kind="company", siren="732829320")
    creditor = Creditor.objects.create(organization=org, name="Bench SA")
    batch = ImportBatch.objects.create(
        organization=org,
        filename="bench.fec",
        file=ContentFile(b"", name="bench.fec"),
        sha256="0" * 64,
        creditor=creditor,
    )
    ledger = parse_fec(data, filename="bench.fec")
    batch = import_claims(batch, ledger.claims, ledger.errors)
    return batch.rows_created


def run_floor(data: bytes) -> int:
    from django.db import connection

    rows = []
    reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter="\t")
    next(reader)
    for f in reader:
        if f[4].startswith("411") and not f[13]:
            rows.append((f[8], f[9], f[6], f[7], f[11], f[12]))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (ref TEXT, day TEXT, aux TEXT, "
            "name TEXT, debit TEXT, credit TEXT)"
        )
        cursor.executemany("INSERT INTO bench_floor VALUES (%s, %s, %s, %s, %s, %s)", rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    lines = parser.parse_args().lines
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(workdir)
        data = make_fec(lines)
        from django.db import transaction

        start = time.perf_counter()
        with transaction.atomic():
            floor_rows = run_floor(data)
        floor = time.perf_counter() - start
        start = time.perf_counter()
        created = run_import(data)
        real = time.perf_counter() - start
    print(f"fec_import: {lines:,} FEC lines ({len(data) / 1e6:.0f} MB), {created:,} open items")
    print(f"  recouvra import: {real:.2f} s ({lines / real:,.0f} lines/s)")
    print(f"  floor (csv module + one executemany of {floor_rows:,} rows): {floor:.2f} s")
    print(f"  ratio import / floor: {real / floor:.2f}× (aim: at most 3×)")


if __name__ == "__main__":
    main()
