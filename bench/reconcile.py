"""Benchmark: lettrage of 100,000 credit lines against 100,000 debtors and 1,000,000 open claims.

Builds a fresh SQLite database in a temporary folder (its own RECOUVRA_VAR_DIR and
DATABASE_URL), imports the credits through import_statement, then times
propose_matches with the default auto threshold: database reads, matching, proposals and
the payments of the matches applied at once. Prints lines per second, and the ratio to a
floor: a bare dict lookup of exact normalised references over the same lines (what a
matcher that only knows exact references, and stores nothing, would cost).

The lines mix every signal: references written in several ways, with a typo, partial
payments, the debtor's IBAN, an IBAN or mandate seen before, names only, combinations of
invoices, and payments from strangers; the script checks the proposals against the truth.

    python bench/reconcile.py [--debtors N] [--claims N] [--lines N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from recouvra.law.allocation import Debt, allocate_payment

_ACTIVITIES = (
    "Menuiserie Boulangerie Garage Plomberie Transports Pharmacie Cabinet Restaurant Boucherie "
    "Electricite Couverture Maconnerie Imprimerie Librairie Fromagerie Pressing Carrosserie "
    "Ambulances Taxis Fleuriste Opticien Brasserie Hotel Camping Scierie Charpente Peinture "
    "Serrurerie Vitrerie Paysagiste Jardinerie Quincaillerie Droguerie Traiteur Patisserie "
    "Chocolaterie Cave Epicerie Poissonnerie Laverie"
)
_SURNAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Lefevre "
    "Mercier Dupont Lambert Bonnet Francois Martinez Legrand Garnier Faure Rousseau Blanc "
    "Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez "
    "Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval Joly "
    "Gautier Roger Roche Roy Noel Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard "
    "Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud "
    "Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard "
    "Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Da Silva Hubert Louis Charles "
    "Guillot Riviere Le Gall Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Menard Fleury "
    "Deschamps Carpentier Julien Benoit Paris Maillard Marchal Aubry Vasseur Le Roux Renault "
    "Jacquet Collet Prevost Poirier Charpentier Royer Huet Baron Dupuy Pons Paul Laine "
    "Carre Breton Remy Schneider Perrot Guyot Barre Marty Cousin"
)
_CITIES = "Nantes Rennes Brest Angers Tours Poitiers Limoges Caen Rouen Lille Metz Nancy"
ACTIVITIES, SURNAMES, CITIES = _ACTIVITIES.split(), _SURNAMES.split(), _CITIES.split()
STRANGERS = ("ASSOCIATION SPORTIVE", "SYNDIC COPRO", "CAF", "URSSAF", "SCI LES TILLEULS")


def setup_django(folder: str, database_url: str = "") -> None:
    os.environ["RECOUVRA_VAR_DIR"] = folder
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvra.settings")
    os.environ.pop("RECONCILE_AUTO_THRESHOLD", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def iban(rng: random.Random) -> str:
    return "FR76" + "".join(rng.choice("0123456789") for _ in range(23))


def debtor_names(rng: random.Random, count: int) -> list[str]:
    """Distinct company names, many alike: "Garage Martin", "Garage Martin Nantes"…"""
    names: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(ACTIVITIES)} {rng.choice(SURNAMES)}"
        form = rng.random()
        if form < 0.35:
            name += f" {rng.choice(CITIES)}"
        elif form < 0.8:
            name += f"-{rng.choice(SURNAMES)}"
        names.add(name)
    return sorted(names)


@dataclass(slots=True)
class BenchClaim:
    pk: int
    debtor_id: int
    creditor_id: int
    reference: str
    due_date: date
    principal_cents: int


def make_ledger(rng: random.Random, n_debtors: int, n_claims: int) -> dict[str, Any]:
    """Organisation, two creditors, debtors, cases, open claims (some partly paid)."""
    from django.utils import timezone

    from recouvra.cases.models import Case
    from recouvra.core.bulk import insert_rows
    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.ledger.models import (
        Allocation,
        Claim,
        ClaimKind,
        ClaimStatus,
        Creditor,
        Debtor,
        DebtorKind,
        Payment,
        PaymentMethod,
    )

    org = Organization.objects.create(
        name="Bench Recouvrement", kind=OrganizationKind.AGENCY, siren="732829320"
    )
    creditors = [
        Creditor.objects.create(organization=org, name=name, is_mandant=True)
        for name in ("Télécom Ouest", "Énergie Loire")
    ]
    debtors = Debtor.objects.bulk_create(
        [
            Debtor(
                organization=org,
                kind=DebtorKind.COMPANY,
                name=name,
                iban=iban(rng) if rng.random() < 0.4 else "",
            )
            for name in debtor_names(rng, n_debtors)
        ],
        batch_size=2000,
    )
    pairs = {(d.pk, creditors[0].pk) for d in debtors}
    pairs |= {(d.pk, creditors[1].pk) for d in debtors if rng.random() < 0.2}
    cases = Case.objects.bulk_create(
        [
            Case(organization=org, creditor_id=c, debtor_id=d, opened_on=date(2026, 1, 1))
            for d, c in sorted(pairs)
        ],
        batch_size=2000,
    )
    case_of = {(case.debtor_id, case.creditor_id): case.pk for case in cases}
    by_debtor: dict[int, list[int]] = {}
    for d, c in sorted(pairs):
        by_debtor.setdefault(d, []).append(c)
    prefixes = {creditors[0].pk: "FA-2026-{:07d}", creditors[1].pk: "F{:08d}"}
    debtor_ids = [d.pk for d in debtors]
    now = timezone.now()
    rows = []
    for n in range(n_claims):
        debtor_id = debtor_ids[n] if n < len(debtor_ids) else rng.choice(debtor_ids)
        creditor_id = rng.choice(by_debtor[debtor_id])
        issue = date(2025, 6, 1) + timedelta(days=rng.randrange(0, 240))
        cents = rng.choice((rng.randrange(5_000, 500_000), rng.randrange(50, 5_000) * 100))
        reference = prefixes[creditor_id].format(n + 1)
        rows.append(
            (org.pk, now, now, creditor_id, debtor_id, case_of[(debtor_id, creditor_id)])
            + (reference, issue, issue + timedelta(days=30), cents, "EUR", ClaimKind.B2B)
            + ("", ClaimStatus.OPEN, reference.lower())
        )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("case_id", "reference", "issue_date", "due_date", "principal_cents", "currency")
    insert_rows(Claim, (*fields, "kind", "terms", "status", "search_text"), rows)
    del rows
    claims = [
        BenchClaim(*row)
        for row in Claim.objects.filter(organization=org)
        .order_by("pk")
        .values_list("pk", "debtor_id", "creditor_id", "reference", "due_date", "principal_cents")
        .iterator(chunk_size=10_000)
    ]
    paid = rng.sample(claims, len(claims) // 20)  # 5 % partly paid already
    payments = Payment.objects.bulk_create(
        [
            Payment(
                organization=org,
                creditor_id=c.creditor_id,
                debtor_id=c.debtor_id,
                amount_cents=c.principal_cents // 3 or 1,
                received_on=date(2026, 1, 15),
                method=PaymentMethod.TRANSFER,
            )
            for c in paid
        ],
        batch_size=2000,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(organization=org, payment=p, claim_id=c.pk, to_principal=p.amount_cents)
            for p, c in zip(payments, paid, strict=True)
        ],
        batch_size=2000,
    )
    balances = {c.pk: c.principal_cents for c in claims}
    for payment, claim in zip(payments, paid, strict=True):
        balances[claim.pk] -= payment.amount_cents
    return {"org": org, "debtors": debtors, "claims": claims, "balances": balances}


def make_history(rng: random.Random, data: dict[str, Any], count: int) -> dict[int, tuple]:
    """Earlier matched lines: an IBAN or a mandate learnt for `count` debtors."""
    from recouvra.imports.models import (
        BankAccount,
        BankLine,
        BankLineStatus,
        ImportBatch,
        ImportKind,
    )
    from recouvra.lettrage.facts import Learnt, learn_from_matches
    from recouvra.lettrage.matching import Line
    from recouvra.lettrage.models import MatchProposal, ProposalStatus

    org = data["org"]
    account = BankAccount.objects.create(organization=org, identifier="FR7630006000010000000001")
    batch = ImportBatch.objects.create(
        organization=org, kind=ImportKind.BANK, filename="old.xml", file="old.xml", sha256="0"
    )
    learnt: dict[int, tuple] = {}
    lines, debtors = [], rng.sample([d for d in data["debtors"] if not d.iban], count)
    for n, debtor in enumerate(debtors):
        payer, rum = iban(rng), (f"RUM-{n:06d}" if n % 3 == 0 else "")
        learnt[debtor.pk] = (payer, rum)
        lines.append(
            BankLine(
                organization=org,
                account=account,
                batch=batch,
                booking_date=date(2025, 12, 1),
                amount_cents=10_000,
                label="VIR ANCIEN",
                counterparty_iban=payer,
                mandate_reference=rum,
                fingerprint=f"old-{n}",
                status=BankLineStatus.MATCHED,
            )
        )
    lines = BankLine.objects.bulk_create(lines, batch_size=1000)
    proposals = MatchProposal.objects.bulk_create(
        [
            MatchProposal(
                organization=org,
                bank_line=line,
                debtor=debtor,
                score=95,
                status=ProposalStatus.APPLIED,
            )
            for line, debtor in zip(lines, debtors, strict=True)
        ],
        batch_size=1000,
    )
    # what those matches taught, as the engine keeps it (PayerFacts)
    learn_from_matches(
        org.pk,
        (
            Learnt(Line.of(line), debtor.pk, proposal.pk)
            for line, debtor, proposal in zip(lines, debtors, proposals, strict=True)
        ),
    )
    return learnt


def written(rng: random.Random, reference: str) -> str:
    """A reference as a payer may type it."""
    digits = "".join(ch for ch in reference if ch.isdigit())
    return rng.choice(
        (
            reference,
            reference.replace("-", " "),
            f"FACT. {digits}" if reference.startswith("FA") else f"FACTURE {reference}",
            f"N° {reference.replace('-', '/')}",
            reference.lower().replace("-", ""),
        )
    )


def name_variant(rng: random.Random, name: str) -> str:
    """The debtor's name as a bank shows the payer: upper case, a legal form, a slip."""
    name = name.upper()
    form = rng.random()
    if form < 0.2:
        return f"{rng.choice(('SARL', 'SAS', 'EURL', 'ETS'))} {name}"
    if form < 0.3:
        words = name.split()
        return " ".join([*words[1:], words[0]])  # "MARTIN GARAGE"
    if form < 0.4:  # one letter wrong in the longest word
        word = max(name.replace("-", " ").split(), key=len)
        i = rng.randrange(1, len(word) - 1)
        slip = word[:i] + ("E" if word[i] != "E" else "A") + word[i + 1 :]
        return name.replace(word, slip, 1)
    return name


def typo(rng: random.Random, reference: str) -> str:
    positions = [i for i, ch in enumerate(reference) if ch.isdigit()][-4:]
    i = rng.choice(positions)
    return reference[:i] + str((int(reference[i]) + rng.randrange(1, 9)) % 10) + reference[i + 1 :]


def make_lines(rng: random.Random, data: dict[str, Any], learnt: dict, count: int) -> tuple:
    """Credit lines with the claims each one truly pays (None: a stranger's payment)."""
    from recouvra.imports.records import StatementLine

    balances = data["balances"]
    names = {d.pk: d.name for d in data["debtors"]}
    ibans = {d.pk: d.iban for d in data["debtors"] if d.iban}
    # one payment pays one creditor's claims (an agency's mandants are paid apart)
    open_by_debtor: dict[tuple[int, int], list] = {}
    for claim in sorted(data["claims"], key=lambda c: (c.due_date, c.pk)):
        open_by_debtor.setdefault((claim.debtor_id, claim.creditor_id), []).append(claim)
    used: set[int] = set()
    mix = [
        ("reference", 30),
        ("reference_partial", 8),
        ("reference_typo", 7),
        ("iban_amount", 10),
        ("learnt_amount", 5),
        ("name_amount", 10),
        ("combination", 8),
        ("iban_partial", 7),
        ("stranger", 15),
    ]
    pools = {
        "iban_amount": [key for key in open_by_debtor if key[0] in ibans],
        "iban_partial": [key for key in open_by_debtor if key[0] in ibans],
        "learnt_amount": [key for key in open_by_debtor if key[0] in learnt],
        "any": list(open_by_debtor),
    }
    kinds = rng.choices([k for k, _w in mix], weights=[w for _k, w in mix], k=count)
    lines, truth = [], []
    for n, kind in enumerate(kinds):
        line = StatementLine(
            booking_date=date(2026, 3, 1) + timedelta(days=n * 28 // count),
            amount_cents=0,
            reference=f"BQ{n:08d}",
            end_to_end_id=rng.choice(("NOTPROVIDED", f"E2E{n:09d}")),
        )
        expected = _fill(
            rng, kind, line, open_by_debtor, balances, used, names, ibans, learnt, pools
        )
        if expected is None and kind != "stranger":
            kind = "stranger"
        if kind == "stranger":
            line.amount_cents = rng.randrange(1_000, 300_000)
            line.counterparty_name = rng.choice(STRANGERS)
            line.label = f"VIR SEPA {line.counterparty_name} COTISATION {rng.randrange(1, 99)}"
            line.counterparty_iban = iban(rng)
        lines.append(line)
        truth.append((kind, expected))
    return lines, truth


def _fill(rng, kind, line, open_by_debtor, balances, used, names, ibans, learnt, pools):  # noqa: ANN001, ANN202
    """Describe one payment of `kind` on `line`; returns the claim ids it pays."""
    if kind == "stranger":
        return None
    for _attempt in range(5):
        key = rng.choice(pools.get(kind) or pools["any"])
        debtor_id = key[0]
        live = [c for c in open_by_debtor[key] if balances[c.pk] > 0]
        claims = [c for c in live if c.pk not in used]
        if kind == "combination":
            enough = len(claims) >= 3
        elif kind == "iban_partial":  # the oldest claims: none may be taken by another line
            enough = bool(claims) and len(claims) == len(live)
        else:
            enough = bool(claims)
        if enough:
            break
    else:
        return None
    name = name_variant(rng, names[debtor_id])
    if rng.random() < 0.6:
        line.counterparty_name = name
        head = "VIR SEPA"
    else:
        head = f"VIR SEPA RECU /DE {name} /MOTIF"
    if kind.startswith("reference"):
        claim = rng.choice(claims)
        shown = typo(rng, claim.reference) if kind == "reference_typo" else claim.reference
        line.label = f"{head} {written(rng, shown)}"
        balance = balances[claim.pk]
        line.amount_cents = balance if kind != "reference_partial" else max(balance // 2, 1)
        if rng.random() < 0.5:
            line.counterparty_iban = ibans.get(debtor_id, "") or iban(rng)
        chosen = [claim]
    elif kind in ("iban_amount", "learnt_amount", "name_amount"):
        # an invoice whose balance no other one shares (else the law picks the oldest)
        counts = Counter(balances[c.pk] for c in live)
        single = [c for c in claims if counts[balances[c.pk]] == 1]
        if not single:
            return None
        claim = rng.choice(single)
        line.label = f"{head} REGLEMENT"
        line.amount_cents = balances[claim.pk]
        if kind == "iban_amount":
            line.counterparty_iban = ibans[debtor_id]
        elif kind == "learnt_amount":
            line.counterparty_iban, line.mandate_reference = learnt[debtor_id]
        chosen = [claim]
    elif kind == "combination":
        chosen = rng.sample(claims[:6], rng.choice((2, 3)))
        line.label = f"{head} PAIEMENT FACTURES"
        line.amount_cents = sum(balances[c.pk] for c in chosen)
        line.counterparty_iban = ibans.get(debtor_id, "")
    else:  # iban_partial: part of the oldest claims
        total = sum(balances[c.pk] for c in claims)
        line.amount_cents = max(rng.randrange(total // 10 or 1, total), 1)
        line.counterparty_iban = ibans[debtor_id]
        line.label = f"{head} ACOMPTE"
        debts = [Debt(str(c.pk), balances[c.pk], due_date=c.due_date) for c in claims]
        shares = allocate_payment(line.amount_cents, debts, paid_on=line.booking_date)
        paid = {int(share.debt_ref) for share in shares if share.debt_ref}
        chosen = [c for c in claims if c.pk in paid]  # the oldest, as the law allocates
        used.update(c.pk for c in claims)
    used.update(c.pk for c in chosen)
    return {c.pk for c in chosen}


def floor(lines: list, claims: list) -> float:
    """A dict lookup of each word of the label, exact normalised references only (best of 3)."""
    from recouvra.lettrage.remittance import reference_key

    index = {reference_key(c.reference): c.pk for c in claims}
    runs = []
    for _run in range(3):
        start = time.perf_counter()
        found = 0
        for line in lines:
            for word in line.label.split():
                if reference_key(word) in index:
                    found += 1
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=[1, 2, 3],
        help="seeds of the independent generator (tests/lettrage/payers.py)",
    )
    parser.add_argument("--independent-only", action="store_true", help="skip the 100,000-line run")
    parser.add_argument(
        "--database-url",
        default="",
        help="an empty database to fill instead of a temporary SQLite file (PostgreSQL)",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="recouvra-bench-")
    try:
        setup_django(folder, args.database_url)
        if not args.independent_only:
            run(args)
        for seed in args.seeds:
            independent(seed)
    finally:
        if args.keep:
            print(f"  database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    from recouvra.imports.bank_import import import_statement
    from recouvra.imports.models import BankLine, ImportBatch, ImportKind
    from recouvra.imports.records import BankStatement, StatementAccount
    from recouvra.lettrage.matching import Line
    from recouvra.lettrage.models import MatchProposal
    from recouvra.lettrage.reconcile import build_matcher, propose_matches

    rng = random.Random(7)
    start = time.perf_counter()
    data = make_ledger(rng, args.debtors, args.claims)
    learnt = make_history(rng, data, args.debtors // 10)
    lines, truth = make_lines(rng, data, learnt, args.lines)
    org = data["org"]
    print(
        f"reconcile: {args.debtors:,} debtors, {args.claims:,} open claims, "
        f"{args.lines:,} credit lines (data built in {time.perf_counter() - start:.1f} s)"
    )
    from recouvra import compiled

    done = compiled.compiled()
    kind = "compiled with mypyc (make compile)" if done else "interpreted (make compile: faster)"
    print(f"  engine: {kind}" + (f": {', '.join(done)}" if done else ""))
    batch = ImportBatch.objects.create(
        organization=org, kind=ImportKind.BANK, filename="bench.xml", file="b.xml", sha256="1"
    )
    statement = BankStatement(
        format="camt.053",
        accounts=[StatementAccount(iban="FR7630006000011234567890189", lines=lines)],
    )
    spent = timed(import_statement, batch, statement)
    print(f"  import_statement: {spent:.2f} s = {args.lines / spent:,.0f} lines/s")
    analyze()

    queue = [
        Line.of(line)
        for line in BankLine.objects.filter(batch=batch).order_by("booking_date", "pk")
    ]
    loaded, engine, spent = split_times(org.pk, queue, build_matcher, propose_matches)
    base = floor(lines, data["claims"])
    print(f"  propose_matches (load, match, store, apply ≥ 90): {spent:.2f} s")
    print(f"    = {args.lines / spent:,.0f} lines/s")
    print(f"    of which loading claims, debtors, history: {loaded:.2f} s")
    print(f"    of which matching in memory: {engine:.2f} s = {args.lines / engine:,.0f} lines/s")
    print(
        f"    the rest, storing proposals and payments: {spent - loaded - engine:.2f} s "
        "(more: from 5,000 lines on two processors, storing overlaps the matching)"
    )
    print(f"  floor (dict lookup of exact references): {base:.3f} s")
    print(f"    = {args.lines / base:,.0f} lines/s")
    print(f"  ratio propose_matches / floor: {spent / base:,.0f}×")
    print(f"  ratio matching in memory / floor: {engine / base:,.0f}×")
    report_accuracy(queue, truth, MatchProposal)


def independent(seed: int) -> None:
    """The engine on a world it was not tuned for (tests/lettrage/payers.py, written from
    how payers and banks behave): one creditor, 3,000 debtors, 20,000 invoices, 2,000
    credits of a month. Prints its precision, recall and the time split."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.lettrage import payers, world

    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.imports.models import BankLine
    from recouvra.ledger.models import Creditor
    from recouvra.lettrage.matching import Line
    from recouvra.lettrage.reconcile import build_matcher, propose_matches

    start = time.perf_counter()
    generated = payers.generate(seed)
    org = Organization.objects.create(
        name=f"Indépendant {seed}", kind=OrganizationKind.COMPANY, siren="732829320"
    )
    creditor = Creditor.objects.create(organization=org, name="Grossiste Ouest")
    loaded = world.load(generated, org, creditor)
    print(
        f"independent generator, seed {seed}: {len(generated.debtors):,} debtors, "
        f"{len(generated.invoices):,} invoices, {len(generated.credits):,} credits "
        f"(built and loaded in {time.perf_counter() - start:.1f} s)"
    )
    analyze()
    queue = [
        Line.of(line)
        for line in BankLine.objects.filter(batch=loaded.batch).order_by("booking_date", "pk")
    ]
    reading, deciding, total = split_times(org.pk, queue, build_matcher, propose_matches)
    figures = world.measure(loaded)
    print(f"  {figures.summary()}")
    print(
        f"  time: {total:.2f} s = {len(queue) / total:,.0f} lines/s; reading {reading:.2f} s, "
        f"deciding {deciding:.2f} s, storing {total - reading - deciding:.2f} s"
    )
    for habit, counter in sorted(figures.by_habit.items()):
        parts = ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))
        print(f"    {habit:28} {sum(counter.values()):5,}: {parts}")
    for habit, told in figures.wrong[:20]:
        print(f"    wrong: {habit}: {told}")


def split_times(org_id: int, queue: list, build_matcher: Any, propose_matches: Any) -> tuple:
    """(reading, deciding, whole run) in seconds: the engine loaded and run in memory
    first, then the real run (which stores too)."""
    gc.disable()  # as propose_matches does
    start = time.perf_counter()
    matcher = build_matcher(org_id, queue)
    reading = time.perf_counter() - start
    start = time.perf_counter()
    for line in queue:
        matcher.best(line)
    deciding = time.perf_counter() - start
    del matcher
    gc.enable()
    return reading, deciding, timed(propose_matches, org_id)


def analyze() -> None:
    """Renew the statistics of the tables just filled: debtors and cases went in through
    bulk_create, which core.bulk's inserts would have done (PostgreSQL's autovacuum does
    within a minute of a load this size)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(fn: Any, *args: Any) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def report_accuracy(queue: list, truth: list, proposal_model: Any) -> None:
    """How the proposals compare with what each line truly pays, per kind of line."""
    by_line: dict[int, list] = {}
    rows = proposal_model.objects.values_list("bank_line_id", "status", "claims")
    for line_id, status, claim_id in rows.iterator():
        entry = by_line.setdefault(line_id, [status, set()])
        entry[1].add(claim_id)
    stats: dict[str, Counter] = {}
    # queue and truth are both in file order: import_statement keeps it
    lines_in_order = sorted(queue, key=lambda line: line.pk)
    for line, (kind, expected) in zip(lines_in_order, truth, strict=True):
        status, claims = by_line.get(line.pk, ("none", set()))
        right = expected is not None and claims == expected
        outcome = f"{status}_{'ok' if right else 'other'}" if status != "none" else "none"
        stats.setdefault(kind, Counter())[outcome] += 1
    total = Counter()
    for counter in stats.values():
        total.update(counter)
    print("  outcome per kind of line (applied/pending: right claims or other; none):")
    for kind, counter in [*sorted(stats.items()), ("all", total)]:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))
        print(f"    {kind:18} {sum(counter.values()):6,}: {parts}")
    wrong, right = total["applied_other"], total["applied_ok"]
    applied = wrong + right
    payable = sum(sum(c.values()) for kind, c in stats.items() if kind != "stranger")
    queued_right = total["pending_ok"]
    print(f"  applied automatically: {applied:,}, of which wrong: {wrong:,}")
    precision, recall = right / max(applied, 1), right / max(payable, 1)
    proposed = (right + queued_right) / max(payable, 1)
    waiting = sum(
        c["pending_ok"] + c["pending_other"] + c["none"]
        for kind, c in stats.items()
        if kind != "stranger"
    )
    print(f"  precision of the automatic matches: {precision:.3%} (target ≥ 99.5 %)")
    print(f"  recall, automatic: {recall:.2%} of {payable:,} payments (target ≥ 75 %)")
    print(f"  right proposal first: {queued_right / max(waiting, 1):.2%} of {waiting:,} waiting")
    print(f"  recall, automatic or waiting in the queue with the right claims: {proposed:.2%}")


if __name__ == "__main__":
    main()
