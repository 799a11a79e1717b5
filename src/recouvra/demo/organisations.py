"""The demo organisations, their creditors and one user per role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from recouvra.core.models import Membership, Organization, OrganizationKind, Role, User
from recouvra.ledger.models import Creditor

from . import fake

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo-recouvra-2026"
DEMO_URL = "http://127.0.0.1:8000/"

COMPANY_NAME = "Batimat Distribution SAS"
AGENCY_NAME = "Cabinet Alpha Recouvrement"
DEMO_ORG_NAMES = (COMPANY_NAME, AGENCY_NAME)

TELECOM = "Telcoria Mobile SA"
ENERGY = "Énergies du Rhône SAS"
SOFTWARE = "Kalipso Logiciels SAS"

# One account per role and organisation. The agency admin is also a Django superuser.
DEMO_USERS: list[dict[str, Any]] = [
    {
        "email": "credit@batimat.demo",
        "password": DEMO_PASSWORD,
        "role": Role.ADMIN.value,
        "org": COMPANY_NAME,
        "full_name": "Claire Fontaine",
    },
    {
        "email": "agent@batimat.demo",
        "password": DEMO_PASSWORD,
        "role": Role.AGENT.value,
        "org": COMPANY_NAME,
        "full_name": "Julien Moreau",
    },
    {
        "email": "admin@alpha-recouvrement.demo",
        "password": DEMO_PASSWORD,
        "role": Role.ADMIN.value,
        "org": AGENCY_NAME,
        "full_name": "Sophie Lemaire",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "email": "agent@alpha-recouvrement.demo",
        "password": DEMO_PASSWORD,
        "role": Role.AGENT.value,
        "org": AGENCY_NAME,
        "full_name": "Karim Benali",
    },
    {
        "email": "terrain@alpha-recouvrement.demo",
        "password": DEMO_PASSWORD,
        "role": Role.FIELD_COLLECTOR.value,
        "org": AGENCY_NAME,
        "full_name": "Thomas Girard",
    },
    {
        "email": "commissaire@etude-roux.demo",
        "password": DEMO_PASSWORD,
        "role": Role.LEGAL_PARTNER.value,
        "org": AGENCY_NAME,
        "full_name": "Maître Hélène Roux",
    },
    {
        "email": "client@telcoria.demo",
        "password": DEMO_PASSWORD,
        "role": Role.MANDANT.value,
        "org": AGENCY_NAME,
        "full_name": "Marc Delaunay",
        "creditor": TELECOM,
    },
]


class OrganisationsPart:
    """The DemoBuilder's organisations, creditors and users."""

    def _organizations(self) -> None:
        rng = self.rng
        self.company = Organization.objects.create(
            name=COMPANY_NAME,
            kind=OrganizationKind.COMPANY,
            siren=fake.siren(rng, self.sirens),
            address="ZI de la Plaine, 18 rue des Frères Lumière\n69740 Genas",
            email="credit@batimat.demo",
            phone=fake.phone(rng, "69740"),
        )
        self.agency = Organization.objects.create(
            name=AGENCY_NAME,
            kind=OrganizationKind.AGENCY,
            siren=fake.siren(rng, self.sirens),
            address="27 rue de Châteaudun\n75009 Paris",
            email="contact@alpha-recouvrement.demo",
            phone=fake.phone(rng, "75009"),
        )
        specs = (
            (self.company, COMPANY_NAME, False, "18 rue des Frères Lumière", "69740", "Genas"),
            (self.agency, TELECOM, True, "41 rue Leblanc", "75015", "Paris"),
            (self.agency, ENERGY, True, "12 avenue Tony Garnier", "69007", "Lyon"),
            (self.agency, SOFTWARE, True, "8 quai de Versailles", "44000", "Nantes"),
        )
        rows = []
        for org, name, is_mandant, street, postal_code, city in specs:
            rows.append(
                Creditor(
                    organization=org,
                    name=name,
                    siren=fake.siren(rng, self.sirens),
                    address_line1=street,
                    postal_code=postal_code,
                    city=city,
                    email=f"recouvrement@{fake.slug(name.rsplit(' ', 1)[0])}.example",
                    phone=fake.phone(rng, postal_code),
                    iban=fake.iban(rng),
                    is_mandant=is_mandant,
                )
            )
        Creditor.objects.bulk_create(rows)
        self.creditors = {c.name: c for c in rows}

    def _users(self) -> None:
        hashed = make_password(DEMO_PASSWORD)
        orgs = {COMPANY_NAME: self.company, AGENCY_NAME: self.agency}
        self.users: dict[tuple[str, str], User] = {}
        self.memberships: dict[tuple[str, str], Membership] = {}
        for spec in DEMO_USERS:
            user = User.objects.filter(email=spec["email"]).first()
            if user is None:
                user = User.objects.create_user(spec["email"], None)
            user.full_name = spec["full_name"]
            user.password = hashed
            user.is_active = True
            user.is_staff = spec.get("is_staff", False)
            user.is_superuser = spec.get("is_superuser", False)
            user.save()
            creditor = self.creditors.get(spec.get("creditor", ""))
            membership = Membership.objects.create(
                user=user, organization=orgs[spec["org"]], role=spec["role"], creditor=creditor
            )
            self.users[(spec["org"], spec["role"])] = user
            self.memberships[(spec["org"], spec["role"])] = membership
