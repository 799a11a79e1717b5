"""Benchmark: the agency's monthly remittance run over 1,000,000 collected payments.

Builds a fresh database (SQLite in a temporary folder, or --database URL: an empty
PostgreSQL database), one agency with its trust account, 50 mandants under mandates at
various rates (and VAT rates), 1,000,000 payments received over a month and their
`collected` trust entries inserted in bulk as collections leave them (1 % reversed). Then:

(a) the floor: one SQL aggregate of the same sums (GROUP BY creditor: collected,
    reversals, and the commission rounded per sum), what any run must at least read;
(b) the run, books only (run_remittances(documents=False)): the remittances, the
    commission, VAT and remitted entries, the invoices' numbers, the pain.001 file checked
    against its XSD; its wall and CPU time and its ratio to (a) (aim: a small constant,
    whatever the number of payments: the run is set-based);
(c) a second run of the same period (nothing new: aim ≈ the floor);
(d) the documents of one mandant (statement listing its ~20,000 sums + invoice), typeset.

    python bench/remittances.py [--payments N] [--mandants N] [--database URL] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))
from dunning import Cpu  # noqa: E402
from machine import describe  # noqa: E402
from reconcile import setup_django  # noqa: E402

PERIOD_START = date(2026, 5, 1)
PERIOD_END = date(2026, 5, 31)
TRUST_IBAN = "FR7630006000011234567890189"


def build(rng: random.Random, n_payments: int, n_mandants: int) -> dict:
    from django.utils import timezone
    from schwifty import IBAN

    from recouvra.agency.models import Mandate, TrustEntry
    from recouvra.core.bulk import insert_returning, insert_rows
    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.ledger.models import Creditor, Debtor, DebtorKind, Payment

    org = Organization.objects.create(
        name="Cabinet Bench",
        kind=OrganizationKind.AGENCY,
        siren="732829320",
        bank_iban=TRUST_IBAN,
        bank_bic="AGRIFRPP",
    )
    creditors, mandates = [], []
    for n in range(n_mandants):
        iban = str(IBAN.generate("FR", bank_code="30006", account_code=f"{n + 1:011d}"))
        creditor = Creditor.objects.create(
            organization=org, name=f"Mandant {n:02d}", iban=iban, is_mandant=True
        )
        mandate = Mandate.objects.create(
            organization=org,
            creditor=creditor,
            reference=f"M-{n:02d}",
            signed_on=date(2025, 1, 1),
            starts_on=date(2025, 1, 1),
            commission_rate=rng.choice([800, 1000, 1200, 1337, 1500, 2000]),
            vat_rate=rng.choice([2000, 2000, 550]),
        )
        creditors.append(creditor)
        mandates.append(mandate)
    debtors = [
        Debtor.objects.create(organization=org, name=f"Débiteur {n}", kind=DebtorKind.COMPANY)
        for n in range(200)
    ]
    now = timezone.now()
    days = (PERIOD_END - PERIOD_START).days
    rows = []
    for n in range(n_payments):
        m = n % n_mandants
        rows.append(
            (
                org.pk,
                now,
                now,
                creditors[m].pk,
                debtors[n % len(debtors)].pk,
                rng.randint(100, 500_000),
                "EUR",
                PERIOD_START + timedelta(days=rng.randint(0, days)),
                "transfer",
                f"VIR {n}",
                "",
                "",
            )
        )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("amount_cents", "currency", "received_on", "method", "reference", "label")
    fields += ("receipt_number",)
    started = time.perf_counter()
    ids = insert_returning(Payment, fields, rows)
    entry_fields = ("organization_id", "created_at", "updated_at", "creditor_id", "mandate_id")
    entry_fields += ("kind", "amount_cents", "on", "payment_id", "text", "notice")
    entries = (
        (org.pk, now, now, row[3], mandates[n % n_mandants].pk, "collected", row[5], row[7])
        + (pk, "", "email")
        for n, (row, pk) in enumerate(zip(rows, ids, strict=True))
    )
    insert_rows(TrustEntry, entry_fields, entries)
    reversals = [
        (org.pk, now, now, row[3], mandates[n % n_mandants].pk, "reversal", -row[5], PERIOD_END)
        + (pk, "Paiement annulé", "")
        for n, (row, pk) in enumerate(zip(rows, ids, strict=True))
        if n % 100 == 7
    ]
    insert_rows(TrustEntry, entry_fields, reversals)
    took = time.perf_counter() - started
    print(f"  built {n_payments:,} payments and their entries in {took:.1f} s")
    return {"org": org}


def floor(org_id: int) -> tuple[float, list]:
    """One aggregate of the sums the run settles: GROUP BY creditor."""
    from django.db import connection

    sql = """
        SELECT e.creditor_id,
               SUM(CASE WHEN e.kind = 'collected' THEN e.amount_cents ELSE 0 END),
               SUM(CASE WHEN e.kind = 'reversal' THEN e.amount_cents ELSE 0 END),
               SUM(CASE WHEN e.kind = 'collected'
                        THEN (e.amount_cents * m.commission_rate + 5000) / 10000
                        WHEN e.kind = 'reversal'
                        THEN -((-e.amount_cents * m.commission_rate + 5000) / 10000)
                        ELSE 0 END)
        FROM agency_trustentry e JOIN agency_mandate m ON m.id = e.mandate_id
        WHERE e.organization_id = %s AND e.remittance_id IS NULL AND e."on" <= %s
          AND e.kind IN ('collected', 'reversal', 'adjustment')
        GROUP BY e.creditor_id
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [org_id, PERIOD_END])
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from recouvra.agency.models import CommissionInvoice, Remittance
    from recouvra.agency.services import run_remittances, write_documents

    rng = random.Random(21)
    with transaction.atomic():  # one transaction: SQLite would commit each row alone
        org = build(rng, args.payments, args.mandants)["org"]
    print(f"  database: {connection.vendor}")
    floor_s, sums = floor(org.pk)
    floor_s = min(floor_s, floor(org.pk)[0])  # warm
    print(f"(a) one aggregate (GROUP BY creditor) over {args.payments:,} entries: {floor_s:.2f} s")
    cpu = Cpu()
    started = time.perf_counter()
    result = run_remittances(org.pk, PERIOD_END, documents=False)
    wall = time.perf_counter() - started
    mine, server = cpu.used()
    expected = {row[0]: row[3] for row in sums}
    got = {r.creditor_id: r.commission_cents for r in result.remittances}
    assert got == expected, "the run's commission differs from the aggregate's"
    total = sum(r.remitted_cents for r in result.remittances)
    print(
        f"(b) the run, books only: {len(result.remittances)} remittances, "
        f"{result.batch.count} transfers, {total / 100:,.2f} EUR remitted: {wall:.2f} s wall "
        f"(cpu {mine:.2f} s here, {server:.2f} s server); ratio to (a): {wall / floor_s:.1f}x"
    )
    started = time.perf_counter()
    again = run_remittances(org.pk, PERIOD_END, documents=False)
    assert not again.remittances
    print(f"(c) the same period again (nothing new): {time.perf_counter() - started:.2f} s")
    remittance = Remittance.objects.order_by("pk").first()
    started = time.perf_counter()
    write_documents(remittance, CommissionInvoice.objects.filter(remittance=remittance).first())
    print(
        f"(d) one mandant's statement ({remittance.entry_count:,} sums) and invoice typeset: "
        f"{time.perf_counter() - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--mandants", type=int, default=50)
    parser.add_argument(
        "--database", default="", help="an empty PostgreSQL database URL (default: SQLite)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="recouvra-bench-remit-")
    print("remittances:")
    print(describe())
    try:
        setup_django(folder, "" if args.database in ("", "sqlite") else args.database)
        run(args)
    finally:
        if args.keep:
            print(f"  kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
