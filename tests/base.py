"""Personas and small factories shared by the tests.

alice is the admin of Alpha Recouvrement (organisation A), bob her teammate (an agent in
Alpha), charlie the admin of Beta Distribution (organisation B), a stranger to both.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from django.test import TestCase

from recouvra.core.models import Membership, Organization, OrganizationKind, Role, User
from recouvra.ledger.models import (
    Allocation,
    Claim,
    ClaimKind,
    Creditor,
    Debtor,
    DebtorKind,
    Payment,
    PaymentMethod,
)
from recouvra.ledger.services import create_claim

# valid SIRENs (Luhn) for the fixtures
SIREN_ALPHA = "732829320"
SIREN_BETA = "552100554"
SIREN_DEBTOR = "542051180"

_refs = count(1)


def make_org(
    name: str, kind: str = OrganizationKind.AGENCY, siren: str = SIREN_ALPHA
) -> Organization:
    return Organization.objects.create(name=name, kind=kind, siren=siren)


def make_user(email: str, org: Organization, role: str = Role.ADMIN, **extra: Any) -> User:
    user = User.objects.create_user(email, password="password", full_name=email.split("@")[0])
    Membership.objects.create(user=user, organization=org, role=role, **extra)
    return user


def make_creditor(org: Organization, name: str = "Créancier SA", **extra: Any) -> Creditor:
    return Creditor.objects.create(organization=org, name=name, **extra)


def make_debtor(org: Organization, name: str = "Menuiserie Dubois", **extra: Any) -> Debtor:
    extra.setdefault("kind", DebtorKind.COMPANY)
    return Debtor.objects.create(organization=org, name=name, **extra)


def make_claim(
    creditor: Creditor,
    debtor: Debtor,
    principal_cents: int = 125_000,
    *,
    reference: str | None = None,
    issue_date: date = date(2026, 1, 5),
    due_date: date = date(2026, 2, 4),
    **extra: Any,
) -> Claim:
    return create_claim(
        creditor.organization_id,
        creditor=creditor,
        debtor=debtor,
        reference=reference or f"FA-{next(_refs):05d}",
        issue_date=issue_date,
        due_date=due_date,
        principal_cents=principal_cents,
        kind=extra.pop("kind", ClaimKind.B2B),
        **extra,
    )


def make_claim_below_floor(creditor: Creditor, debtor: Debtor) -> Claim:
    """A claim whose contract copied "ECB + 10": 10 %, below the legal floor of 3 × the
    legal rate in 2024 (15.21 %, 14.76 %; C. com. L441-10 II)."""
    return make_claim(
        creditor,
        debtor,
        100_000,
        reference="FA-FLOOR",
        issue_date=date(2023, 12, 11),
        due_date=date(2024, 1, 10),
        contractual_rate=Decimal("10.000"),
    )


def make_payment(claim: Claim, cents: int, received_on: date = date(2026, 3, 1)) -> Payment:
    payment = Payment.objects.create(
        organization_id=claim.organization_id,
        creditor=claim.creditor,
        debtor=claim.debtor,
        amount_cents=cents,
        received_on=received_on,
        method=PaymentMethod.TRANSFER,
        reference=f"VIR {claim.reference}",
    )
    Allocation.objects.create(
        organization_id=claim.organization_id, payment=payment, claim=claim, to_principal=cents
    )
    return payment


class RecouvraTestCase(TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alpha = make_org("Alpha Recouvrement")
        self.beta = make_org("Beta Distribution", OrganizationKind.COMPANY, SIREN_BETA)
        self.alice = make_user("alice@example.org", self.alpha, Role.ADMIN)
        self.bob = make_user("bob@example.org", self.alpha, Role.AGENT)
        self.charlie = make_user("charlie@example.org", self.beta, Role.ADMIN)
        self.creditor = make_creditor(self.alpha, "Télécom Ouest", is_mandant=True)
        self.debtor = make_debtor(self.alpha, "Menuiserie Dubois", siren=SIREN_DEBTOR)


def tiny_png() -> bytes:
    """A valid 1×1 red PNG, for the logo tests (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks
