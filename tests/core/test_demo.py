"""The demo dataset: realistic, consistent, deterministic, and loaded only once."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva

from recouvra.cases.models import Case, CaseStatus, Interaction
from recouvra.core.models import Membership, Organization, Role
from recouvra.demo.builder import build_demo, delete_demo
from recouvra.demo.organisations import DEMO_PASSWORD, DEMO_URL, DEMO_USERS
from recouvra.law.identifiers import clean_iban
from recouvra.ledger.models import (
    Allocation,
    Claim,
    ClaimStatus,
    Creditor,
    Debtor,
    DebtorKind,
    Payment,
)

pytestmark = pytest.mark.django_db

SMALL = "0.05"


def _counts() -> dict[str, int]:
    models = (Organization, Creditor, Debtor, Case, Claim, Payment, Allocation, Interaction)
    return {m.__name__: m.objects.count() for m in models}


def _fingerprint() -> list[tuple]:
    claims = Claim.objects.order_by("creditor__name", "reference")
    return list(claims.values_list("reference", "debtor__name", "principal_cents", "status"))


def test_full_scale_dataset_is_consistent():
    build_demo()

    assert Organization.objects.count() == 2
    assert 450 <= Debtor.objects.count() <= 550
    assert 4500 <= Claim.objects.count() <= 5500

    # identifiers
    companies = Debtor.objects.filter(kind=DebtorKind.COMPANY)
    assert companies.count() > 100
    for debtor in companies:
        assert fr_siren.is_valid(debtor.siren), debtor.siren
        assert fr_siret.is_valid(debtor.siret) and debtor.siret.startswith(debtor.siren)
        assert fr_tva.is_valid(debtor.vat_number) and debtor.vat_number.endswith(debtor.siren)
    persons = Debtor.objects.filter(kind=DebtorKind.PERSON)
    assert persons.count() > 100
    assert not persons.exclude(siren="", siret="", vat_number="").exists()
    for org in Organization.objects.all():
        assert fr_siren.is_valid(org.siren)
    for creditor in Creditor.objects.all():
        assert fr_siren.is_valid(creditor.siren)
    ibans = [*Debtor.objects.exclude(iban="").values_list("iban", flat=True)]
    assert len(ibans) > 50
    for iban in ibans + [*Creditor.objects.values_list("iban", flat=True)]:
        assert iban.startswith("FR") and clean_iban(iban) == iban
    assert Debtor.objects.filter(name__contains="é").exists()
    # risk: the worst stage reached; a debtor in court is rated high
    in_court = Debtor.objects.filter(cases__status__in=(CaseStatus.LEGAL, CaseStatus.ENFORCEMENT))
    assert in_court.exists() and not in_court.exclude(risk_level="high").exists()
    assert Debtor.objects.filter(risk_level="low").exists()
    assert Debtor.objects.filter(name__contains="ç").exists()
    assert not Debtor.objects.filter(search_text="").exists()
    assert not Claim.objects.filter(search_text="").exists()

    # amounts are integer cents within the advertised range
    amounts = list(Claim.objects.values_list("principal_cents", flat=True))
    assert all(type(a) is int and 50_00 <= a <= 60_000_00 for a in amounts)
    assert all(type(a) is int for a in Payment.objects.values_list("amount_cents", flat=True))
    assert all(type(a) is int for a in Allocation.objects.values_list("to_principal", flat=True))

    # cases: every stage, every claim in the case of its own debtor and creditor
    stages = set(Case.objects.values_list("status", flat=True))
    assert stages == set(CaseStatus.values)
    assert not Claim.objects.filter(case__isnull=True).exists()
    assert not Claim.objects.exclude(case__debtor_id=F("debtor_id")).exists()
    assert not Claim.objects.exclude(case__creditor_id=F("creditor_id")).exists()
    assert not Claim.objects.exclude(case__organization_id=F("organization_id")).exists()
    assert not Claim.objects.exclude(debtor__organization_id=F("organization_id")).exists()
    assert not Claim.objects.exclude(creditor__organization_id=F("organization_id")).exists()
    refs = list(Case.objects.values_list("pk", "reference"))
    assert all(ref == f"D-{pk:06d}" for pk, ref in refs)

    # allocations never exceed the principal; statuses agree with the balance
    claims = Claim.objects.with_balance()
    assert not claims.filter(balance__lt=0).exists()
    assert not claims.filter(status=ClaimStatus.PAID).exclude(balance=0).exists()
    assert not claims.exclude(status=ClaimStatus.PAID).filter(balance=0).exists()
    assert claims.filter(paid__gt=0, balance__gt=0).count() > 50  # partly paid
    statuses = Counter(Claim.objects.values_list("status", flat=True))
    assert statuses[ClaimStatus.OPEN] > statuses[ClaimStatus.PAID] > 0
    assert statuses[ClaimStatus.DISPUTED] > 0
    today = timezone.localdate()
    assert Claim.objects.filter(due_date__gte=today).exists()  # some not yet due
    payments = Payment.objects.annotate(s=Sum("allocations__to_principal"))
    assert not payments.exclude(s=F("amount_cents")).exists()
    assert not Allocation.objects.exclude(claim__debtor_id=F("payment__debtor_id")).exists()

    # closed cases are fully paid, the others still owe something
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert not closed.filter(closed_on__isnull=True).exists()
    assert not Claim.objects.filter(case__in=closed).exclude(status=ClaimStatus.PAID).exists()
    for case in Case.objects.active().with_balance():
        assert case.balance > 0 or case.claims.filter(status=ClaimStatus.DISPUTED).exists()

    # timeline: in the past, on every case, with authors
    assert not Interaction.objects.filter(occurred_at__gt=timezone.now()).exists()
    assert Interaction.objects.values("case").distinct().count() == Case.objects.count()
    assert Interaction.objects.filter(author__isnull=False).count() > 500

    # accounts
    for spec in DEMO_USERS:
        # axes (sign-in lockout) needs the request the sign-in comes with
        user = authenticate(HttpRequest(), username=spec["email"], password=spec["password"])
        assert user is not None, spec["email"]
        membership = Membership.objects.get(user=user)
        assert membership.role == spec["role"]
        assert membership.organization.name == spec["org"]
    assert {u["password"] for u in DEMO_USERS} == {DEMO_PASSWORD}
    roles = {(u["org"], u["role"]) for u in DEMO_USERS}
    assert len(roles) == len(DEMO_USERS)
    assert any(u.get("is_staff") for u in DEMO_USERS)
    mandant = Membership.objects.get(role=Role.MANDANT)
    assert mandant.creditor is not None and mandant.creditor.is_mandant
    assert Claim.objects.visible_to(mandant).count() > 0
    partner = Membership.objects.get(role=Role.LEGAL_PARTNER)
    partner_cases = Case.objects.visible_to(partner)
    assert partner_cases.exists()
    assert set(partner_cases.values_list("status", flat=True)) <= {
        CaseStatus.LEGAL,
        CaseStatus.ENFORCEMENT,
    }


def test_if_empty_loads_once_and_always_prints_the_accounts():
    first, second = StringIO(), StringIO()
    call_command("demo", "--if-empty", "--scale", SMALL, stdout=first)
    counts = _counts()
    assert counts["Claim"] > 0
    call_command("demo", "--if-empty", "--scale", SMALL, stdout=second)
    assert _counts() == counts
    assert "déjà" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        assert DEMO_URL in output
        for spec in DEMO_USERS:
            assert spec["email"] in output
        assert DEMO_PASSWORD in output


def test_refuses_to_load_twice_without_reset():
    call_command("demo", "--scale", SMALL, stdout=StringIO())
    counts = _counts()
    with pytest.raises(CommandError):
        call_command("demo", "--scale", SMALL, stdout=StringIO())
    call_command("demo", "--reset", "--scale", SMALL, stdout=StringIO())
    assert _counts() == counts


def test_same_seed_same_data():
    build_demo(seed=7, scale=0.05)
    first = _fingerprint()
    delete_demo()
    assert not Organization.objects.exists()
    build_demo(seed=7, scale=0.05)
    assert _fingerprint() == first
    delete_demo()
    build_demo(seed=8, scale=0.05)
    assert _fingerprint() != first


def test_the_demo_leaves_an_api_key_to_try_the_api(tmp_path, settings, client):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", SMALL, stdout=out)
    path = tmp_path / "demo" / "cle-api.txt"
    assert str(path) in out.getvalue()
    assert oct(path.stat().st_mode)[-3:] == "600"
    secret = path.read_text().strip()
    response = client.get("/api/v1/creditors/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["results"]
    # kept while valid; made again once the demo is reset (its organisation deleted)
    call_command("demo", "--if-empty", stdout=StringIO())
    assert path.read_text().strip() == secret
    call_command("demo", "--reset", "--scale", SMALL, stdout=StringIO())
    assert path.read_text().strip() != secret
