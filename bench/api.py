"""Benchmark: the claims API over 1,000,000 claims of 200,000 debtors.

Builds a fresh database (SQLite in a temporary folder, or --database-url: an empty
PostgreSQL database), one organisation, 200,000 debtors with their SIREN and a case each,
1,000,000 claims (85 % open, some paid or disputed, one in ten partly paid), and an API
key. Requests go through the whole Django stack (middleware, authentication, the view,
JSON rendering) with the test client, in this process. Then it measures:

CPU seconds (this process and its PostgreSQL backend) are printed beside wall times: on
a shared machine they vary less.

(a) GET /api/v1/claims/?status=open, the first 50 pages of 100 following the cursor: the
    p95 of the server time of a page, and the SQL queries of each page (must not vary);
    floor: the same rows, with their balance, fetched by a bare ORM values() query;
(b) POST /api/v1/claims/bulk: 100,000 new claims (debtors named by SIREN) in calls of
    5,000: claims/s, and the ratio to the ledger import (import_claims) of the same rows
    for another creditor, in the same run (aim ≤ 1.5×); then the same calls again, every
    row unchanged (aim ≤ 0.5× the first run).

    python bench/api.py [--claims N] [--debtors N] [--bulk N] [--call-size N] [--pages N]
        [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from dunning import Cpu  # noqa: E402
from machine import describe  # noqa: E402
from reconcile import setup_django  # noqa: E402

TODAY = date(2026, 6, 15)
PAGE = 100


def siren(n: int) -> str:
    """The n-th valid SIREN (Luhn key on 8 digits)."""
    body = f"{10_000_000 + n:08d}"
    for key in range(10):
        digits = [int(c) for c in body + str(key)]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return body + str(key)
    raise AssertionError(body)


def build(rng: random.Random, n_debtors: int, n_claims: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from recouvra.api.keys import create_key
    from recouvra.cases.models import Case
    from recouvra.core.bulk import insert_returning, insert_rows
    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.imports.ledger_import import DEBTOR_FIELDS
    from recouvra.ledger.models import (
        Allocation,
        Claim,
        ClaimKind,
        Creditor,
        Debtor,
        DebtorKind,
        Payment,
    )

    org = Organization.objects.create(
        name="Bench API", kind=OrganizationKind.AGENCY, siren="732829320"
    )
    creditor = Creditor.objects.create(organization=org, name="Bâtimat Distribution")
    other = Creditor.objects.create(organization=org, name="Énergie Sud")
    now = timezone.now()
    sirens = [siren(n) for n in range(n_debtors)]
    debtor_ids = insert_returning(
        Debtor,
        DEBTOR_FIELDS,
        (
            (org.pk, now, now, DebtorKind.COMPANY, f"Client {n:06d}", s, "", "", "", "", "")
            + ("", "", "", f"client {n:06d} {s}", "", "", "", "", "FR")
            for n, s in enumerate(sirens)
        ),
    )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("status", "reference", "opened_on")
    case_ids = insert_returning(
        Case,
        fields,
        ((org.pk, now, now, creditor.pk, d, "amicable", f"D-{d:07d}", TODAY) for d in debtor_ids),
    )
    statuses = ["open"] * 85 + ["paid"] * 10 + ["disputed"] * 5
    rows = []
    for n in range(n_claims):
        k = n % n_debtors
        due = TODAY - timedelta(days=rng.randrange(-30, 400))
        reference = f"FA-{n + 1:07d}"
        rows.append(
            (org.pk, now, now, creditor.pk, debtor_ids[k], case_ids[k], reference)
            + (due - timedelta(days=30), due, rng.randrange(5_000, 500_000), "EUR")
            + (ClaimKind.B2B, "", rng.choice(statuses), reference.lower())
        )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("case_id", "reference", "issue_date", "due_date", "principal_cents", "currency")
    claim_ids = insert_returning(Claim, (*fields, "kind", "terms", "status", "search_text"), rows)
    partly = [(pk, row) for pk, row in zip(claim_ids, rows, strict=True) if pk % 10 == 0]
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("amount_cents", "currency", "received_on", "method", "reference", "label")
    payment_ids = insert_returning(
        Payment,
        fields,
        (
            (org.pk, now, now, creditor.pk, row[4], row[9] // 2, "EUR", TODAY, "transfer", "", "")
            for _pk, row in partly
        ),
    )
    fields = ("organization_id", "created_at", "updated_at", "payment_id", "claim_id")
    insert_rows(
        Allocation,
        (*fields, "to_fees", "to_interest", "to_principal"),
        (
            (org.pk, now, now, payment_id, pk, 0, 0, row[9] // 2)
            for payment_id, (pk, row) in zip(payment_ids, partly, strict=True)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    key = create_key(org, name="Bench", scopes=["read", "write", "imports", "payments"])
    return {
        "org": org,
        "creditor": creditor,
        "other": other,
        "sirens": sirens,
        "secret": key.secret,
    }


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def list_pages(client: Any, secret: str, pages: int) -> tuple[list[float], list[int]]:
    """Server time of each page (s), following the cursor; then the queries of each page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def walk(capture: bool) -> tuple[list[float], list[int], list[int]]:
        times, queries, last_ids = [], [], []
        url = "/api/v1/claims/?status=open"
        for _ in range(pages):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
                times.append(time.perf_counter() - start)
            if capture:
                queries.append(len(captured))
            assert response.status_code == 200, response.content[:300]
            body = response.json()
            assert len(body["results"]) == PAGE
            last_ids.append(body["results"][-1]["id"])
            url = body["next"].removeprefix("http://testserver")
        return times, queries, last_ids

    walk(False)  # warm: the key's last use is written, the caches filled
    times, _q, _ids = walk(False)
    _t, queries, _ids = walk(True)
    return times, queries


def floor_pages(org_id: int, pages: int) -> list[float]:
    """The same rows with their balance, by a bare values() query per page."""
    from recouvra.ledger.models import Claim

    columns = ("id", "creditor_id", "debtor_id", "case_id", "reference", "kind")
    columns += ("issue_date", "due_date", "principal_cents", "currency", "paid", "balance")
    columns += ("contractual_rate", "terms", "status", "created_at", "updated_at")
    times, last = [], 0
    for _ in range(pages):
        start = time.perf_counter()
        rows = list(
            Claim.objects.filter(organization_id=org_id, status="open", id__gt=last)
            .with_balance()
            .order_by("id")
            .values(*columns)[:PAGE]
        )
        times.append(time.perf_counter() - start)
        last = rows[-1]["id"]
    return times


def bulk_rows(sirens: list[str], n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        issue = TODAY - timedelta(days=rng.randrange(0, 200))
        rows.append(
            {
                "reference": f"API-{i + 1:07d}",
                "debtor_siren": sirens[rng.randrange(len(sirens))],
                "issue_date": issue.isoformat(),
                "due_date": (issue + timedelta(days=30)).isoformat(),
                "principal_cents": rng.randrange(5_000, 500_000),
            }
        )
    return rows


def run_bulk(
    client: Any, secret: str, creditor_id: int, rows: list[dict], size: int, expect: str
) -> tuple[float, list[float], float]:
    """Wall seconds of the calls, of each call, and CPU seconds (here and the server's)."""
    bodies = [
        json.dumps({"creditor": creditor_id, "claims": rows[i : i + size]}).encode()
        for i in range(0, len(rows), size)
    ]
    calls = []
    cpu = Cpu()
    for body in bodies:
        start = time.perf_counter()
        response = client.post(
            "/api/v1/claims/bulk",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        calls.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        counts = response.json()["counts"]
        assert counts[expect] == len(json.loads(body)["claims"]), counts
    return sum(calls), calls, sum(cpu.used())


def run_import(org: Any, creditor: Any, rows: list[dict]) -> tuple[float, float]:
    """Wall and CPU seconds (here and the server's) of import_claims over `rows`."""
    from django.core.files.base import ContentFile

    from recouvra.imports.ledger_import import import_claims
    from recouvra.imports.models import ImportBatch, ImportKind
    from recouvra.imports.records import LedgerClaim

    claims = [
        LedgerClaim(
            reference=row["reference"],
            issue_date=date.fromisoformat(row["issue_date"]),
            due_date=date.fromisoformat(row["due_date"]),
            amount_cents=row["principal_cents"],
            debtor_siren=row["debtor_siren"],
            line_no=n + 2,
        )
        for n, row in enumerate(rows)
    ]
    batch = ImportBatch.objects.create(
        organization=org,
        kind=ImportKind.LEDGER,
        filename="balance.csv",
        file=ContentFile(b"x", name="balance.csv"),
        sha256="0" * 64,
        creditor=creditor,
    )
    cpu = Cpu()
    start = time.perf_counter()
    batch = import_claims(batch, claims)
    elapsed = time.perf_counter() - start
    assert batch.rows_created == len(rows), (batch.rows_created, batch.rows_invalid)
    return elapsed, sum(cpu.used())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--debtors", type=int, default=200_000)
    parser.add_argument("--bulk", type=int, default=100_000, help="rows upserted by the API")
    parser.add_argument("--call-size", type=int, default=5_000, help="rows per bulk call")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-api-")
    os.environ["API_THROTTLE_RATE"] = ""  # a benchmark, not a client to hold back
    try:
        setup_django(folder, args.database_url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's host is allowed
        start = time.perf_counter()
        data = build(random.Random(20), args.debtors, args.claims)
        built = time.perf_counter() - start
        print(
            f"api: {args.claims:,} claims, {args.debtors:,} debtors, {connection.vendor} "
            f"(data built in {built:.1f} s)"
        )
        print(describe())
        client = Client()
        secret = data["secret"]

        times, queries = list_pages(client, secret, args.pages)
        floor = floor_pages(data["org"].pk, args.pages)
        print(
            f"  GET /api/v1/claims/?status=open, {args.pages} pages of {PAGE} by the cursor: "
            f"p95 {p95(times) * 1000:.1f} ms (median {statistics.median(times) * 1000:.1f} ms)"
        )
        print(
            f"  SQL queries per page: {sorted(set(queries))} (constant: {len(set(queries)) == 1})"
        )
        print(
            f"  floor (the same rows with their balance, a bare values() query): p95 "
            f"{p95(floor) * 1000:.1f} ms; ratio p95 API / floor: {p95(times) / p95(floor):.1f}×"
        )

        rows = bulk_rows(data["sirens"], args.bulk, random.Random(5))
        first, calls, first_cpu = run_bulk(
            client, secret, data["creditor"].pk, rows, args.call_size, "created"
        )
        imported, imported_cpu = run_import(data["org"], data["other"], rows)
        second, _again, second_cpu = run_bulk(
            client, secret, data["creditor"].pk, rows, args.call_size, "unchanged"
        )
        n = len(rows)
        print(
            f"  bulk upsert of {n:,} new claims in calls of {args.call_size:,}: {first:.2f} s "
            f"({n / first:,.0f} claims/s; a call: median {statistics.median(calls):.2f} s); "
            f"CPU {first_cpu:.2f} s"
        )
        print(
            f"  ledger import of the same rows (import_claims, another creditor): "
            f"{imported:.2f} s ({n / imported:,.0f} claims/s); ratio bulk / import: "
            f"{first / imported:.2f}× (aim ≤ 1.5×); CPU {imported_cpu:.2f} s, ratio "
            f"{first_cpu / imported_cpu:.2f}×"
        )
        print(
            f"  the same calls again, every row unchanged: {second:.2f} s "
            f"({n / second:,.0f} claims/s); ratio second / first: {second / first:.2f}× "
            f"(aim ≤ 0.5×); CPU {second_cpu:.2f} s, ratio {second_cpu / first_cpu:.2f}×"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
