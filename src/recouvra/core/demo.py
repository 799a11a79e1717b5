"""A deterministic French demo dataset: a company, an agency, ~500 debtors, ~5,000 claims.

Every random choice comes from one `random.Random(seed)`: names, identifiers, amounts
and date offsets are the same on every run with the same seed; dates are counted back
from today so that the ageing report always looks alive. Amounts are integer cents.

E-mail addresses use the reserved `.example` top-level domain and telephone numbers the
ranges ARCEP sets aside for fiction, so that no reminder can reach a real person.
"""

from __future__ import annotations

import math
import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from schwifty import IBAN

from recouvra.cases.models import Case, CaseStatus, Direction, Interaction, InteractionKind
from recouvra.core.models import Membership, Organization, OrganizationKind, Role, User
from recouvra.law.identifiers import french_vat_from_siren, siren_check_digit
from recouvra.law.money import format_amount
from recouvra.ledger.models import (
    RISK_RANK,
    Allocation,
    Claim,
    ClaimKind,
    ClaimStatus,
    Contact,
    ContactKind,
    Creditor,
    Debtor,
    DebtorKind,
    Payment,
    PaymentMethod,
    RiskLevel,
)
from recouvra.ledger.search import normalize

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

BATCH = 500
MIN_CENTS = 50_00
MAX_CENTS = 60_000_00
HISTORY_DAYS = 1095  # about three years of invoices

# --- names and places ------------------------------------------------------------------

FIRST_NAMES = (
    "Jean", "Marie", "Pierre", "Nathalie", "Michel", "Isabelle", "Philippe", "Sylvie",
    "Alain", "Catherine", "Nicolas", "Sandrine", "Christophe", "Valérie", "Laurent", "Céline",
    "Stéphane", "Aurélie", "Frédéric", "Émilie", "Sébastien", "Hélène", "Jérôme", "Élodie",
    "François", "Françoise", "Éric", "Cécile", "Benoît", "Mélanie", "Julien", "Chloé",
    "Thomas", "Léa", "Hugo", "Zoé", "Loïc", "Anaïs", "Raphaël", "Maëlle", "Noël", "Inès",
    "Jérémy", "Gaëlle", "Étienne", "Agnès", "Damien", "Sophie", "Karim", "Nadia", "Yannick",
    "Océane", "Mathéo", "Clémence", "Rémi", "Margaux", "Guillaume", "Amélie", "Joël", "Lucie",
)  # fmt: skip

LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Gérard",
    "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roche", "Noël", "Meyer",
    "Meunier", "Pérez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas",
    "Brunet", "Schmitt", "Leroux", "Colin", "Renard", "Arnaud", "Caron", "Aubert", "Giraud",
    "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix",
    "Fabre", "Dupuis", "Rivière", "Le Gall", "Ménard", "Fleury", "Deschamps", "Carpentier",
    "Prévost", "Poirier", "Charpentier", "Carré", "Rémy", "Bégué", "Lefrançois", "Besançon",
    "Étienne", "Hébert", "Benoît", "Chauvière", "Maréchal", "Desprès", "Lesueur", "Barthélemy",
)  # fmt: skip

STREETS = (
    "rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République",
    "place de l'Église", "allée des Érables", "rue Émile Zola", "avenue du Général Leclerc",
    "rue Pasteur", "rue des Écoles", "boulevard Carnot", "rue de la Gare", "rue du Moulin",
    "chemin des Vignes", "rue Saint-Éloi", "rue Aristide Briand", "rue Jules Ferry",
    "avenue Foch", "rue du Général de Gaulle", "rue de Verdun", "rue Nationale",
    "place du Marché", "rue des Tanneurs", "impasse des Lilas", "rue de la Forêt",
    "avenue de la Libération", "rue Marcel Pagnol", "rue des Frênes", "quai de la Fontaine",
    "rue du Château d'Eau", "rue Édouard Herriot", "chemin de la Côte",
)  # fmt: skip

ADDRESS_COMPLEMENTS = ("", "Bâtiment B", "Appartement 12", "Résidence Les Érables")

BUSINESS_PARKS = (
    "ZI des Platières", "ZA du Chêne", "Parc d'activités de la Plaine", "ZI Nord",
    "ZAC des Érables", "Parc d'activités du Moulin", "ZA Les Près Secs", "ZI de l'Étang",
)  # fmt: skip

# (city, postal code)
RHONE_ALPES = (
    ("Lyon", "69003"), ("Lyon", "69007"), ("Lyon", "69008"), ("Villeurbanne", "69100"),
    ("Vénissieux", "69200"), ("Bron", "69500"), ("Saint-Priest", "69800"),
    ("Vaulx-en-Velin", "69120"), ("Caluire-et-Cuire", "69300"), ("Écully", "69130"),
    ("Genas", "69740"), ("Meyzieu", "69330"), ("Villefranche-sur-Saône", "69400"),
    ("Décines-Charpieu", "69150"), ("Givors", "69700"), ("Tarare", "69170"),
    ("Saint-Étienne", "42000"), ("Roanne", "42300"), ("Grenoble", "38000"),
    ("Échirolles", "38130"), ("Vienne", "38200"), ("Bourgoin-Jallieu", "38300"),
    ("Bourg-en-Bresse", "01000"), ("Mâcon", "71000"), ("Chambéry", "73000"),
    ("Annecy", "74000"), ("Valence", "26000"), ("Montélimar", "26200"),
)  # fmt: skip

FRANCE = (
    ("Paris", "75011"), ("Paris", "75015"), ("Paris", "75018"), ("Marseille", "13005"),
    ("Toulouse", "31000"), ("Nice", "06000"), ("Nantes", "44000"), ("Montpellier", "34000"),
    ("Strasbourg", "67000"), ("Bordeaux", "33000"), ("Lille", "59000"), ("Rennes", "35000"),
    ("Reims", "51100"), ("Le Havre", "76600"), ("Toulon", "83000"), ("Dijon", "21000"),
    ("Angers", "49000"), ("Nîmes", "30000"), ("Clermont-Ferrand", "63000"),
    ("Le Mans", "72000"), ("Aix-en-Provence", "13100"), ("Brest", "29200"), ("Tours", "37000"),
    ("Amiens", "80000"), ("Limoges", "87000"), ("Besançon", "25000"), ("Orléans", "45000"),
    ("Metz", "57000"), ("Rouen", "76000"), ("Mulhouse", "68100"), ("Caen", "14000"),
    ("Nancy", "54000"), ("Argenteuil", "95100"), ("Montreuil", "93100"),
    ("Saint-Denis", "93200"), ("Créteil", "94000"), ("Évry-Courcouronnes", "91000"),
    ("Béziers", "34500"), ("Perpignan", "66000"), ("Pau", "64000"), ("La Rochelle", "17000"),
    ("Poitiers", "86000"), ("Sète", "34200"), ("Châteauroux", "36000"),
    ("Périgueux", "24000"), ("Quimper", "29000"), ("Lyon", "69008"), ("Grenoble", "38000"),
)  # fmt: skip

BUILDING_TRADES = (
    "Menuiserie", "Maçonnerie", "Plomberie", "Couverture", "Charpente", "Électricité",
    "Carrelage", "Peinture", "Plâtrerie", "Terrassement", "Chauffage", "Isolation",
    "Façades", "Serrurerie", "Ébénisterie", "Rénovation",
)  # fmt: skip

BUILDING_SUFFIXES = ("Bâtiment", "Construction", "Rénovation", "et Fils", "Frères", "BTP")

SME_TRADES = (
    "Boulangerie", "Pharmacie", "Garage", "Transports", "Imprimerie", "Cabinet comptable",
    "Restaurant", "Hôtel", "Boucherie", "Fleuriste", "Agence immobilière", "Auto-école",
    "Optique", "Salon de coiffure", "Librairie", "Cave", "Traiteur", "Pâtisserie",
    "Brasserie", "Clinique vétérinaire", "Pressing", "Épicerie fine", "Crèche", "Cabinet",
)  # fmt: skip

LEGAL_FORMS = ("SAS", "SARL", "EURL", "SA", "")
LEGAL_FORM_WEIGHTS = (34, 34, 12, 6, 14)

PERSON_MAIL_DOMAINS = ("orange.example", "free.example", "laposte.example", "mail.example")

# French bank codes (code banque) for the debtors' and creditors' IBANs.
BANK_CODES = ("30004", "30002", "20041", "10278", "30066", "17515", "18206", "11306", "10907")

# Fictional telephone ranges reserved by ARCEP, by area (01 Île-de-France … 05 south-west).
PHONE_RANGES = {
    "01": "01 99 00",
    "02": "02 61 91",
    "03": "03 53 01",
    "04": "04 65 71",
    "05": "05 36 49",
}
MOBILE_RANGE = "06 39 98"
AREA_BY_DEPARTMENT = {
    **dict.fromkeys(("75", "77", "78", "91", "92", "93", "94", "95"), "01"),
    **dict.fromkeys(("14", "29", "35", "36", "37", "44", "45", "49", "72", "76"), "02"),
    **dict.fromkeys(("21", "25", "51", "54", "57", "59", "67", "68", "80"), "03"),
    **dict.fromkeys(("17", "24", "31", "33", "64", "86", "87"), "05"),
}

# --- collection scenarios --------------------------------------------------------------

STAGE_WEIGHTS = {
    CaseStatus.AMICABLE: 30,
    CaseStatus.FORMAL_NOTICE: 15,
    CaseStatus.NEGOTIATION: 9,
    CaseStatus.PAYMENT_PLAN: 8,
    CaseStatus.DISPUTED: 5,
    CaseStatus.LEGAL: 8,
    CaseStatus.ENFORCEMENT: 5,
    CaseStatus.CLOSED: 20,
}
# days since the oldest unpaid claim fell due
STAGE_AGE = {
    CaseStatus.AMICABLE: (5, 75),
    CaseStatus.FORMAL_NOTICE: (45, 150),
    CaseStatus.NEGOTIATION: (60, 200),
    CaseStatus.PAYMENT_PLAN: (120, 400),
    CaseStatus.DISPUTED: (30, 300),
    CaseStatus.LEGAL: (180, 720),
    CaseStatus.ENFORCEMENT: (400, 1000),
}
# the creditor stops invoicing this many days after the oldest unpaid invoice
STAGE_STOP = {
    CaseStatus.PAYMENT_PLAN: 60,
    CaseStatus.LEGAL: 45,
    CaseStatus.ENFORCEMENT: 30,
}
# chance that an overdue claim newer than the oldest unpaid one was nonetheless paid
STAGE_NEWER_PAID = {
    CaseStatus.AMICABLE: 25,
    CaseStatus.FORMAL_NOTICE: 15,
    CaseStatus.NEGOTIATION: 10,
    CaseStatus.DISPUTED: 30,
}
# the steps each stage went through, starting from the amicable stage
STAGE_PATH = {
    CaseStatus.AMICABLE: (),
    CaseStatus.FORMAL_NOTICE: (CaseStatus.FORMAL_NOTICE,),
    CaseStatus.NEGOTIATION: (CaseStatus.FORMAL_NOTICE, CaseStatus.NEGOTIATION),
    CaseStatus.PAYMENT_PLAN: (
        CaseStatus.FORMAL_NOTICE,
        CaseStatus.NEGOTIATION,
        CaseStatus.PAYMENT_PLAN,
    ),
    CaseStatus.DISPUTED: (CaseStatus.DISPUTED,),
    CaseStatus.LEGAL: (CaseStatus.FORMAL_NOTICE, CaseStatus.LEGAL),
    CaseStatus.ENFORCEMENT: (CaseStatus.FORMAL_NOTICE, CaseStatus.LEGAL, CaseStatus.ENFORCEMENT),
}

METHOD_WORDS = {
    PaymentMethod.TRANSFER: "virement",
    PaymentMethod.DIRECT_DEBIT: "prélèvement SEPA",
    PaymentMethod.CHEQUE: "chèque",
    PaymentMethod.CARD: "carte bancaire",
    PaymentMethod.CASH: "espèces",
}

CALL_OUTCOMES = (
    ("Débiteur joint, promet un règlement fin du mois.", True),
    ("Messagerie : message laissé, demande de rappel.", False),
    ("Débiteur joint : conteste le montant, demande le détail des factures.", False),
    ("Numéro non attribué, recherche de nouvelles coordonnées en cours.", False),
    ("Débiteur joint, annonce un virement sous huit jours.", True),
)
COMPANY_CALL_OUTCOMES = (
    ("Comptabilité jointe : facture en attente de validation, paiement prévu sous 15 jours.", True),
    ("Gérant joint, promet un règlement fin du mois.", True),
    ("Standard : la personne en charge de la comptabilité est absente, rappel prévu.", False),
    ("Comptabilité jointe : le règlement est bloqué faute de bon de commande.", False),
)


@dataclass(frozen=True)
class Segment:
    """A creditor and the debtors it collects from."""

    creditor: str
    prefix: str
    debtors: int  # at scale 1
    person_percent: int
    b2b_median: int  # cents
    b2c_median: int  # cents
    sigma_milli: int  # spread of log-amounts, in thousandths
    places: tuple[tuple[str, str], ...]
    trades: tuple[str, ...]
    company_weight: tuple[int, int]  # how many invoices a debtor gets, relatively
    person_weight: tuple[int, int]
    b2b_days: tuple[int, ...]
    b2c_days: tuple[int, ...]
    methods: tuple[tuple[str, int], ...]


BATIMAT = Segment(
    creditor=COMPANY_NAME,
    prefix="FA",
    debtors=200,
    person_percent=15,
    b2b_median=2_400_00,
    b2c_median=900_00,
    sigma_milli=1100,
    places=RHONE_ALPES,
    trades=BUILDING_TRADES,
    company_weight=(4, 40),
    person_weight=(1, 4),
    b2b_days=(30, 45, 60),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.TRANSFER, 60),
        (PaymentMethod.CHEQUE, 30),
        (PaymentMethod.CARD, 10),
    ),
)
TELCORIA = Segment(
    creditor=TELECOM,
    prefix="TLC",
    debtors=120,
    person_percent=90,
    b2b_median=450_00,
    b2c_median=95_00,
    sigma_milli=600,
    places=FRANCE,
    trades=SME_TRADES,
    company_weight=(3, 10),
    person_weight=(2, 8),
    b2b_days=(30,),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.DIRECT_DEBIT, 45),
        (PaymentMethod.CARD, 35),
        (PaymentMethod.TRANSFER, 12),
        (PaymentMethod.CHEQUE, 8),
    ),
)
ENERGIE = Segment(
    creditor=ENERGY,
    prefix="ENR",
    debtors=100,
    person_percent=70,
    b2b_median=1_800_00,
    b2c_median=260_00,
    sigma_milli=800,
    places=RHONE_ALPES + FRANCE,
    trades=SME_TRADES,
    company_weight=(3, 14),
    person_weight=(2, 6),
    b2b_days=(30, 45),
    b2c_days=(30,),
    methods=(
        (PaymentMethod.DIRECT_DEBIT, 40),
        (PaymentMethod.TRANSFER, 25),
        (PaymentMethod.CHEQUE, 20),
        (PaymentMethod.CARD, 15),
    ),
)
KALIPSO = Segment(
    creditor=SOFTWARE,
    prefix="LOG",
    debtors=80,
    person_percent=0,
    b2b_median=3_200_00,
    b2c_median=3_200_00,
    sigma_milli=900,
    places=FRANCE,
    trades=SME_TRADES,
    company_weight=(2, 12),
    person_weight=(1, 1),
    b2b_days=(30, 45, 60),
    b2c_days=(30,),
    methods=((PaymentMethod.TRANSFER, 85), (PaymentMethod.CARD, 15)),
)
AGENCY_SEGMENTS = (TELCORIA, ENERGIE, KALIPSO)

DISPUTE_REASONS = {
    COMPANY_NAME: (
        "marchandise livrée endommagée, réserves portées sur le bon de livraison",
        "quantités facturées supérieures aux quantités livrées",
        "remise commerciale de 5 % non appliquée",
    ),
    TELECOM: (
        "frais de résiliation anticipée contestés",
        "hors forfait contesté (appels vers l'étranger)",
        "ligne résiliée le mois précédent, facture non due selon le client",
    ),
    ENERGY: (
        "relevé de compteur estimé contesté, demande d'un relevé réel",
        "double facturation après un déménagement",
    ),
    SOFTWARE: (
        "licences facturées après la résiliation du contrat",
        "module non livré, prestation contestée",
    ),
}


# --- small helpers ---------------------------------------------------------------------


def _slug(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in normalize(text)).split()
    return "-".join(words)


def _weighted(rng: random.Random, pairs: Any) -> Any:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return rng.choices(values, weights=weights)[0]


def _lognormal_cents(rng: random.Random, median_cents: int, sigma_milli: int) -> int:
    """An amount spread log-normally around median_cents, within [50 €, 60,000 €].

    The random draw is a dimensionless factor; it is turned into an integer number of
    parts per million before it touches the amount, which stays an int throughout.
    Out-of-range draws are drawn again rather than piled up on the bounds.
    """
    cents = median_cents
    for _attempt in range(20):
        z = rng.gauss(0.0, 1.0)
        factor_ppm = int(math.exp(sigma_milli * z / 1000) * 1_000_000)
        cents = median_cents * factor_ppm // 1_000_000
        if MIN_CENTS <= cents <= MAX_CENTS:
            return cents
    return min(max(cents, MIN_CENTS), MAX_CENTS)


def _percent_of(cents: int, percent: int) -> int:
    return cents * percent // 100


def _siren(rng: random.Random, taken: set[str]) -> str:
    while True:
        first_eight = str(rng.randint(3, 9)) + f"{rng.randint(0, 9_999_999):07d}"
        siren = first_eight + siren_check_digit(first_eight)
        if siren not in taken:
            taken.add(siren)
            return siren


def _siret(rng: random.Random, siren: str) -> str:
    from stdnum import luhn

    thirteen = siren + f"000{rng.randint(1, 9)}"
    return thirteen + luhn.calc_check_digit(thirteen)


def _iban(rng: random.Random) -> str:
    return IBAN.generate(
        "FR",
        bank_code=rng.choice(BANK_CODES),
        branch_code=f"{rng.randint(1, 99_999):05d}",
        account_code=f"{rng.randint(0, 99_999_999_999):011d}",
    ).compact


def _phone(rng: random.Random, postal_code: str) -> str:
    area = AREA_BY_DEPARTMENT.get(postal_code[:2], "04")
    return f"{PHONE_RANGES[area]} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _mobile(rng: random.Random) -> str:
    return f"{MOBILE_RANGE} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _street(rng: random.Random) -> str:
    number = rng.randint(1, 120)
    suffix = rng.choices(("", " bis", " ter"), weights=(92, 6, 2))[0]
    return f"{number}{suffix} {rng.choice(STREETS)}"


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",")


@dataclass
class _Event:
    day: date
    seq: int
    kind: str
    text: str
    direction: str = Direction.INTERNAL
    channel: str = ""
    author: User | None = None


@dataclass
class _CasePlan:
    case: Case
    segment: Segment
    debtor: Debtor
    stage: str
    weight: int
    claims: list[Claim] = field(default_factory=list)
    full_payment_day: dict[int, date] = field(default_factory=dict)  # claim index → day
    anchor_due: date | None = None
    closed_on: date | None = None


RISK_OF_STAGE = {
    CaseStatus.LEGAL: RiskLevel.HIGH,
    CaseStatus.ENFORCEMENT: RiskLevel.HIGH,
    CaseStatus.FORMAL_NOTICE: RiskLevel.MEDIUM,
    CaseStatus.PAYMENT_PLAN: RiskLevel.MEDIUM,
    CaseStatus.NEGOTIATION: RiskLevel.MEDIUM,
    CaseStatus.DISPUTED: RiskLevel.MEDIUM,
}


# Old terms of sale kept by a few customers: a rate below 3 × the legal rate (C. com.
# L441-10 II) in every semester since 2023, so their statements run at the legal floor,
# and stop where a legal rate is missing from the tables (2026-S2). The demo keeps such
# hard claims on purpose: every page and letter must stand them.
OLD_CONTRACT_RATE = Decimal("5.000")
OLD_CONTRACT_STAGES = (CaseStatus.ENFORCEMENT, CaseStatus.LEGAL, CaseStatus.PAYMENT_PLAN)


def _old_contracts(plans: list[_CasePlan]) -> set[int]:
    """One long-unpaid company case per organisation, if any (ids of the plans): its
    debtor's contract has the old terms. Chosen without drawing from the random stream,
    so the rest of the demo stays as it was."""
    chosen: dict[int, _CasePlan] = {}
    for stage in OLD_CONTRACT_STAGES:  # the longest unpaid first
        for plan in plans:
            org = id(plan.case.organization)
            if org not in chosen and plan.stage == stage and plan.debtor.kind == DebtorKind.COMPANY:
                chosen[org] = plan
    return {id(plan) for plan in chosen.values()}


def _rate_risks(plans: list[_CasePlan]) -> None:
    """The credit manager's rating: the worst stage any of the debtor's cases reached."""
    for plan in plans:
        level = RISK_OF_STAGE.get(plan.stage, RiskLevel.LOW)
        if RISK_RANK[level] > RISK_RANK[plan.debtor.risk_level]:
            plan.debtor.risk_level = level


# --- the builder -----------------------------------------------------------------------


class DemoBuilder:
    """Plans the whole dataset in memory, then writes it with bulk_create."""

    def __init__(self, seed: int = DEFAULT_SEED, scale: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.sirens: set[str] = set()
        self.events: list[Interaction] = []
        self.payments: list[Payment] = []
        self.allocations: list[Allocation] = []
        self.contacts: list[Contact] = []
        self.remaining: dict[int, int] = {}  # id(claim) → principal still due
        self._pending: list[_Event] = []  # the timeline of the case being planned
        self.old_contracts: set[int] = set()  # plans whose contract has the old terms

    # entry point

    def build(self) -> dict[str, int]:
        with transaction.atomic():
            self._organizations()
            self._users()
            debtors = self._debtors()
            plans = self._cases(debtors)
            self.old_contracts = _old_contracts(plans)
            for plan in plans:
                self._plan_claims(plan)
            self._number_claims(plans)
            for plan in plans:
                self._plan_activity(plan)
            self._write(debtors, plans)
            from recouvra.dunning.demo import add_scenarios

            scenarios = [add_scenarios(org) for org in (self.company, self.agency)]
        return {
            "organisations": 2,
            "créanciers": len(self.creditors),
            "utilisateurs": len(self.users),
            "débiteurs": len(debtors),
            "dossiers": len(plans),
            "créances": sum(len(p.claims) for p in plans),
            "paiements": len(self.payments),
            "imputations": len(self.allocations),
            "échanges": len(self.events),
            "scénarios de relance": sum(found["scénarios"] for found in scenarios),
        }

    def _at(self, day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, time(hour, 0), tzinfo=self.tz)

    def _count(self, n: int) -> int:
        return max(3, round(n * self.scale))

    # organisations, creditors, users

    def _organizations(self) -> None:
        rng = self.rng
        self.company = Organization.objects.create(
            name=COMPANY_NAME,
            kind=OrganizationKind.COMPANY,
            siren=_siren(rng, self.sirens),
            address="ZI de la Plaine, 18 rue des Frères Lumière\n69740 Genas",
            email="credit@batimat.demo",
            phone=_phone(rng, "69740"),
        )
        self.agency = Organization.objects.create(
            name=AGENCY_NAME,
            kind=OrganizationKind.AGENCY,
            siren=_siren(rng, self.sirens),
            address="27 rue de Châteaudun\n75009 Paris",
            email="contact@alpha-recouvrement.demo",
            phone=_phone(rng, "75009"),
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
                    siren=_siren(rng, self.sirens),
                    address_line1=street,
                    postal_code=postal_code,
                    city=city,
                    email=f"recouvrement@{_slug(name.rsplit(' ', 1)[0])}.example",
                    phone=_phone(rng, postal_code),
                    iban=_iban(rng),
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

    # debtors

    def _debtors(self) -> list[tuple[Debtor, Segment]]:
        out: list[tuple[Debtor, Segment]] = []
        names: dict[int, set[str]] = defaultdict(set)
        for segment in (BATIMAT, *AGENCY_SEGMENTS):
            org = self.company if segment is BATIMAT else self.agency
            for _i in range(self._count(segment.debtors)):
                is_person = self.rng.randint(1, 100) <= segment.person_percent
                make = self._person if is_person else self._company
                debtor = make(org, segment, names[org.pk])
                debtor.refresh_search_text()
                out.append((debtor, segment))
        return out

    def _unique(self, make: Any, taken: set[str]) -> Any:
        while True:
            result = make()
            if result[0] not in taken:
                taken.add(result[0])
                return result

    def _person(self, org: Organization, segment: Segment, taken: set[str]) -> Debtor:
        rng = self.rng

        def make() -> tuple[str, str, str]:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            return f"{first} {last}", first, last

        name, first, last = self._unique(make, taken)
        city, postal_code = rng.choice(segment.places)
        number = rng.choice(("", "", "", str(rng.randint(1, 99))))
        email = f"{_slug(first)}.{_slug(last)}{number}@{rng.choice(PERSON_MAIL_DOMAINS)}"
        debtor = Debtor(
            organization=org,
            kind=DebtorKind.PERSON,
            name=name,
            address_line1=_street(rng),
            address_line2=rng.choices(ADDRESS_COMPLEMENTS, weights=(85, 5, 5, 5))[0],
            postal_code=postal_code,
            city=city,
            email=email if rng.randint(1, 100) <= 85 else "",
            mobile=_mobile(rng) if rng.randint(1, 100) <= 90 else "",
            phone=_phone(rng, postal_code) if rng.randint(1, 100) <= 30 else "",
            iban=_iban(rng) if rng.randint(1, 100) <= 55 else "",
            created_at=self._at(self.today - timedelta(days=HISTORY_DAYS + 30)),
        )
        if rng.randint(1, 100) <= 20:
            self.contacts.append(
                Contact(
                    organization=org,
                    debtor=debtor,
                    kind=ContactKind.PHONE,
                    label="Téléphone professionnel",
                    value=_phone(rng, postal_code),
                )
            )
        return debtor

    def _company(self, org: Organization, segment: Segment, taken: set[str]) -> Debtor:
        rng = self.rng

        def make() -> tuple[str, str, str]:
            last = rng.choice(LAST_NAMES)
            form = rng.choices(LEGAL_FORMS, weights=LEGAL_FORM_WEIGHTS)[0]
            pattern = rng.randint(1, 10)
            if segment.trades is BUILDING_TRADES and pattern <= 3:
                core = f"{last} {rng.choice(BUILDING_SUFFIXES)}"
            elif pattern == 4:
                core = f"Établissements {last}"
            elif pattern == 5:
                core = f"{last} & {rng.choice(LAST_NAMES)}"
            else:
                core = f"{rng.choice(segment.trades)} {last}"
            name = f"{core} {form}" if form else core
            return name, core, last

        name, core, last = self._unique(make, taken)
        city, postal_code = rng.choice(segment.places)
        siren = _siren(rng, self.sirens)
        domain = f"{_slug(core)}.example"
        in_park = rng.randint(1, 100) <= 35
        debtor = Debtor(
            organization=org,
            kind=DebtorKind.COMPANY,
            name=name,
            siren=siren,
            siret=_siret(rng, siren),
            vat_number=french_vat_from_siren(siren),
            address_line1=_street(rng),
            address_line2=rng.choice(BUSINESS_PARKS) if in_park else "",
            postal_code=postal_code,
            city=city,
            email=f"{rng.choice(('contact', 'compta', 'comptabilite', 'facturation'))}@{domain}",
            phone=_phone(rng, postal_code),
            mobile=_mobile(rng) if rng.randint(1, 100) <= 40 else "",
            iban=_iban(rng) if rng.randint(1, 100) <= 35 else "",
            created_at=self._at(self.today - timedelta(days=HISTORY_DAYS + 30)),
        )
        if rng.randint(1, 100) <= 45:
            manager = f"{rng.choice(FIRST_NAMES)} {last}"
            since = self.today.year - rng.randint(3, 15)
            debtor.notes = f"Gérant : {manager}. Client depuis {since}."
        if rng.randint(1, 100) <= 30:
            self.contacts.append(
                Contact(
                    organization=org,
                    debtor=debtor,
                    kind=ContactKind.EMAIL,
                    label="Service comptabilité",
                    value=f"comptabilite@{domain}",
                )
            )
        return debtor

    # cases

    def _cases(self, debtors: list[tuple[Debtor, Segment]]) -> list[_CasePlan]:
        rng = self.rng
        pairs = list(debtors)
        # a few agency companies buy both energy and software: two cases, one debtor
        energy_companies = [d for d, s in debtors if s is ENERGIE and d.kind == DebtorKind.COMPANY]
        shared = rng.sample(energy_companies, min(len(energy_companies), round(8 * self.scale)))
        pairs += [(d, KALIPSO) for d in shared]

        stages = list(STAGE_WEIGHTS)
        order = list(range(len(pairs)))
        rng.shuffle(order)
        chosen: dict[int, str] = {}
        for position, index in enumerate(order):
            if position < len(stages):  # at least one case at every stage
                chosen[index] = stages[position]
            else:
                chosen[index] = _weighted(rng, STAGE_WEIGHTS)

        plans = []
        for index, (debtor, segment) in enumerate(pairs):
            stage = chosen[index]
            low, high = (
                segment.person_weight
                if debtor.kind == DebtorKind.PERSON
                else segment.company_weight
            )
            weight = rng.randint(low, high)
            if stage == CaseStatus.CLOSED:
                weight = max(1, weight // 2)
            org = self.company if segment is BATIMAT else self.agency
            case = Case(
                organization=org,
                debtor=debtor,
                creditor=self.creditors[segment.creditor],
                status=stage,
            )
            plans.append(_CasePlan(case, segment, debtor, stage, weight))
        self._assign(plans)

        # spread the claims: one per case, the rest in proportion to the weights
        total = max(len(plans), round(5000 * self.scale))
        counts = [1] * len(plans)
        extra = rng.choices(
            range(len(plans)), weights=[p.weight for p in plans], k=total - len(plans)
        )
        for index in extra:
            counts[index] += 1
        for plan, count in zip(plans, counts, strict=True):
            plan.weight = count
        return plans

    def _assign(self, plans: list[_CasePlan]) -> None:
        rng = self.rng
        partner = self.memberships[(AGENCY_NAME, Role.LEGAL_PARTNER)]
        for plan in plans:
            org = COMPANY_NAME if plan.segment is BATIMAT else AGENCY_NAME
            agent = self.users[(org, Role.AGENT)]
            admin = self.users[(org, Role.ADMIN)]
            heavy = plan.stage in (CaseStatus.LEGAL, CaseStatus.ENFORCEMENT)
            share = 60 if heavy else 20
            plan.case.assigned_to = admin if rng.randint(1, 100) <= share else agent
            if org == AGENCY_NAME and (
                plan.stage == CaseStatus.ENFORCEMENT
                or (plan.stage == CaseStatus.LEGAL and rng.randint(1, 100) <= 70)
            ):
                plan.case.legal_partner = partner

    # claims: dates, amounts, what was paid in full

    def _new_claim(self, plan: _CasePlan, issue: date, days: int) -> Claim:
        segment, debtor = plan.segment, plan.debtor
        is_person = debtor.kind == DebtorKind.PERSON
        median = segment.b2c_median if is_person else segment.b2b_median
        claim = Claim(
            organization=plan.case.organization,
            creditor=plan.case.creditor,
            debtor=debtor,
            case=plan.case,
            issue_date=issue,
            due_date=issue + timedelta(days=days),
            principal_cents=_lognormal_cents(self.rng, median, segment.sigma_milli),
            kind=ClaimKind.B2C if is_person else ClaimKind.B2B,
            status=ClaimStatus.OPEN,
            created_at=self._at(issue, 18),
        )
        claim.terms, claim.contractual_rate = self._terms(plan, days)
        self.remaining[id(claim)] = claim.principal_cents
        return claim

    def _terms(self, plan: _CasePlan, days: int) -> tuple[str, Decimal | None]:
        """The payment terms of the debtor's contract: the same for all its claims."""
        contract = random.Random(f"{plan.debtor.name}/{plan.segment.creditor}")
        roll = contract.randint(1, 100)
        if roll <= 8:
            return "", None  # old invoices imported without their terms
        is_person = plan.debtor.kind == DebtorKind.PERSON
        fee = " Indemnité forfaitaire pour frais de recouvrement : 40 €."
        creditor = plan.segment.creditor
        if id(plan) in self.old_contracts:
            return (
                f"Paiement à {days} jours date de facture. Pénalités de retard au taux annuel "
                f"de {_rate_text(OLD_CONTRACT_RATE)} % (conditions générales de 2019)." + fee,
                OLD_CONTRACT_RATE,
            )
        if is_person and creditor == TELECOM:
            return (
                "Facture payable au plus tard à la date d'échéance indiquée. Après mise en "
                "demeure, les sommes dues portent intérêts au taux légal (conditions générales "
                "d'abonnement, article 9).",
                None,
            )
        if is_person and creditor == ENERGY:
            return (
                f"Facture payable sous {days} jours. En cas de retard, pénalités égales à "
                "1,5 fois le taux d'intérêt légal (conditions générales de vente, article 12).",
                None,
            )
        if is_person:
            return (
                f"Facture payable à {days} jours. En cas de retard, intérêts au taux légal "
                "à compter de la mise en demeure.",
                None,
            )
        if creditor == SOFTWARE and roll <= 70:
            return (
                f"Abonnement payable à {days} jours date de facture. Pénalités de retard : taux "
                "de refinancement de la BCE majoré de 10 points." + fee,
                None,
            )
        if roll <= 40:
            rate = contract.choice((Decimal("10.000"), Decimal("12.000"), Decimal("10.500")))
            return (
                f"Paiement à {days} jours date de facture. Pénalités de retard au taux annuel "
                f"de {_rate_text(rate)} %." + fee,
                rate,
            )
        return (
            f"Paiement à {days} jours date de facture. Pénalités de retard : 3 fois le taux "
            "d'intérêt légal." + fee,
            None,
        )

    def _days(self, plan: _CasePlan) -> int:
        if plan.debtor.kind == DebtorKind.PERSON:
            return self.rng.choice(plan.segment.b2c_days)
        return self.rng.choice(plan.segment.b2b_days)

    def _random_day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max((high - low).days, 0)))

    def _clamp(self, day: date, low: date, high: date) -> date:
        return min(max(day, low), high)

    def _plan_claims(self, plan: _CasePlan) -> None:
        rng, today = self.rng, self.today
        count = plan.weight
        start = today - timedelta(days=HISTORY_DAYS)
        if plan.stage == CaseStatus.CLOSED:
            target = today - timedelta(days=rng.randint(5, 700))
            for _i in range(count):
                days = self._days(plan)
                issue = self._random_day(start, target - timedelta(days=days + 10))
                claim = self._new_claim(plan, issue, days)
                pay = claim.due_date + timedelta(days=rng.randint(-10, 60))
                pay = self._clamp(pay, issue + timedelta(days=1), target)
                plan.full_payment_day[len(plan.claims)] = pay
                plan.claims.append(claim)
            last = max(plan.full_payment_day.values())
            plan.closed_on = min(today, last + timedelta(days=rng.randint(0, 10)))
            return

        age = rng.randint(*STAGE_AGE[plan.stage])
        days = self._days(plan)
        anchor_due = today - timedelta(days=age)
        anchor_issue = anchor_due - timedelta(days=days)
        plan.anchor_due = anchor_due
        anchor = self._new_claim(plan, anchor_issue, days)
        plan.claims.append(anchor)
        if plan.stage == CaseStatus.DISPUTED:
            anchor.status = ClaimStatus.DISPUTED

        newest = today - timedelta(days=1)
        if plan.stage in STAGE_STOP:
            newest = min(newest, anchor_issue + timedelta(days=STAGE_STOP[plan.stage]))
        if plan.debtor.kind == DebtorKind.PERSON:
            newest = min(newest, anchor_issue + timedelta(days=120))
        history = (count - 1) * rng.randint(0, 40) // 100
        newer_paid = STAGE_NEWER_PAID.get(plan.stage, 5)
        for i in range(count - 1):
            days = self._days(plan)
            if i < history and anchor_issue - start > timedelta(days=days + 30):
                # settled long ago, before the trouble started
                issue = self._random_day(start, anchor_issue - timedelta(days=days + 20))
                claim = self._new_claim(plan, issue, days)
                pay = claim.due_date + timedelta(days=rng.randint(-10, 40))
                pay = self._clamp(pay, issue + timedelta(days=1), anchor_due)
                plan.full_payment_day[len(plan.claims)] = pay
            else:
                # most of them already overdue, a few not due yet
                latest = newest
                if rng.randint(1, 100) <= 75:
                    latest = min(newest, today - timedelta(days=days + 1))
                issue = self._random_day(anchor_issue, latest)
                claim = self._new_claim(plan, issue, days)
                overdue = claim.due_date < today
                if overdue and rng.randint(1, 100) <= newer_paid:
                    pay = claim.due_date + timedelta(days=rng.randint(0, 30))
                    pay = self._clamp(pay, issue + timedelta(days=1), today)
                    plan.full_payment_day[len(plan.claims)] = pay
                elif overdue and (
                    (plan.stage == CaseStatus.DISPUTED and rng.randint(1, 100) <= 30)
                    or rng.randint(1, 100) <= 2
                ):
                    claim.status = ClaimStatus.DISPUTED
            plan.claims.append(claim)

    def _number_claims(self, plans: list[_CasePlan]) -> None:
        """Invoice numbers per creditor and year, in issue order, with gaps."""
        by_creditor: dict[str, list[Claim]] = defaultdict(list)
        for plan in plans:
            by_creditor[plan.segment.creditor].extend(plan.claims)
        prefixes = {s.creditor: s.prefix for s in (BATIMAT, *AGENCY_SEGMENTS)}
        for creditor in sorted(by_creditor):
            claims = by_creditor[creditor]
            claims.sort(key=lambda c: (c.issue_date, c.principal_cents, c.debtor.name))
            counters: dict[int, int] = {}
            for claim in claims:
                year = claim.issue_date.year
                counters[year] = counters.get(year, self.rng.randint(10, 400)) + self.rng.randint(
                    1, 25
                )
                claim.reference = f"{prefixes[creditor]}-{year}-{counters[year]:06d}"
                claim.refresh_search_text()

    # payments and timeline

    def _author(self, plan: _CasePlan, who: str | None) -> User | None:
        org = COMPANY_NAME if plan.segment is BATIMAT else AGENCY_NAME
        if who == "agent":
            return plan.case.assigned_to
        if who == "collector":
            return self.users.get((org, Role.FIELD_COLLECTOR))
        if who == "partner":
            if plan.case.legal_partner is not None:
                return self.users[(AGENCY_NAME, Role.LEGAL_PARTNER)]
            return self.users[(org, Role.ADMIN)]
        return None

    def _method(self, plan: _CasePlan) -> str:
        method = _weighted(self.rng, plan.segment.methods)
        if method == PaymentMethod.DIRECT_DEBIT and not plan.debtor.iban:
            return PaymentMethod.TRANSFER
        return method

    def _reference(self, plan: _CasePlan, method: str, refs: list[str], day: date) -> str:
        rng = self.rng
        if method == PaymentMethod.TRANSFER:
            payer = normalize(plan.debtor.name).upper()[:32]
            return f"VIR SEPA {payer} {refs[0]}"
        if method == PaymentMethod.DIRECT_DEBIT:
            mandate = f"{normalize(plan.debtor.name)[:1].upper()}{rng.randint(10**8, 10**9 - 1)}"
            return f"PRLV SEPA {refs[0]} RUM {mandate}"
        if method == PaymentMethod.CHEQUE:
            return f"CHQ N° {rng.randint(1_000_000, 9_999_999)}"
        if method == PaymentMethod.CARD:
            return f"CB {refs[0]} AUTO {rng.randint(100_000, 999_999)}"
        return f"REÇU ESPÈCES N° {day:%Y}-{rng.randint(1, 99_999):05d}"

    def _pay(
        self,
        plan: _CasePlan,
        day: date,
        parts: list[tuple[Claim, int]],
        *,
        method: str | None = None,
        label: str = "",
        reference: str = "",
        author: User | None = None,
        text: str = "",
    ) -> int:
        """Record a payment split over claims; returns the amount (0 if nothing to pay)."""
        parts = [(c, cents) for c, cents in parts if cents > 0]
        if not parts:
            return 0
        refs = [c.reference for c, _cents in parts]
        method = method or self._method(plan)
        reference = reference or self._reference(plan, method, refs, day)
        amount = sum(cents for _c, cents in parts)
        payment = Payment(
            organization=plan.case.organization,
            creditor=plan.case.creditor,
            debtor=plan.debtor,
            amount_cents=amount,
            received_on=day,
            method=method,
            reference=reference[:100],
            label=(label or f"Règlement {', '.join(refs)}")[:200],
            created_at=self._at(day, 11),
        )
        self.payments.append(payment)
        for claim, cents in parts:
            assert 0 < cents <= self.remaining[id(claim)], "allocation above the balance"
            self.remaining[id(claim)] -= cents
            self.allocations.append(
                Allocation(
                    organization=plan.case.organization,
                    payment=payment,
                    claim=claim,
                    to_principal=cents,
                    created_at=self._at(day, 11),
                )
            )
        words = METHOD_WORDS[method]
        self._event(
            plan,
            day,
            InteractionKind.PAYMENT,
            text
            or f"Paiement reçu : {format_amount(amount)} par {words} ({reference}), imputé sur "
            f"{', '.join(refs)}.",
            direction=Direction.INBOUND,
            channel=InteractionKind.PAYMENT,
            author=author,
        )
        return amount

    def _event(
        self,
        plan: _CasePlan,
        day: date,
        kind: str,
        text: str,
        *,
        direction: str = Direction.INTERNAL,
        channel: str = "",
        author: User | None = None,
    ) -> None:
        day = min(day, self.today)
        self._pending.append(
            _Event(day, len(self._pending), kind, text, direction, channel, author)
        )

    def _open_claims(self, plan: _CasePlan, on: date) -> list[Claim]:
        """Unpaid, undisputed claims due before `on`, oldest first (art. 1342-10 C. civ.)."""
        claims = [
            c
            for c in plan.claims
            if c.status == ClaimStatus.OPEN and c.due_date < on and self.remaining[id(c)] > 0
        ]
        return sorted(claims, key=lambda c: (c.due_date, c.reference))

    def _spread(self, plan: _CasePlan, on: date, amount: int) -> list[tuple[Claim, int]]:
        parts = []
        for claim in self._open_claims(plan, on):
            if amount <= 0:
                break
            cents = min(amount, self.remaining[id(claim)])
            parts.append((claim, cents))
            amount -= cents
        return parts

    def _partial(self, plan: _CasePlan, on: date, low: int, high: int) -> list[tuple[Claim, int]]:
        """Part of the oldest open claim, never all of it."""
        claims = self._open_claims(plan, on)
        if not claims:
            return []
        claim = claims[0]
        cents = _percent_of(self.remaining[id(claim)], self.rng.randint(low, high))
        cents = min(cents, self.remaining[id(claim)] - 100)
        return [(claim, cents)] if cents >= 100 else []

    def _plan_activity(self, plan: _CasePlan) -> None:
        rng = self.rng
        self._pending = []
        claims = plan.claims
        opened = min(c.issue_date for c in claims)
        plan.case.opened_on = opened
        plan.case.created_at = self._at(opened, 8)
        plan.case.closed_on = plan.closed_on
        self._event(plan, opened, InteractionKind.SYSTEM, "Dossier ouvert.")
        for claim in claims:
            self._event(
                plan,
                claim.issue_date,
                InteractionKind.CLAIM,
                f"Créance {claim.reference} ajoutée au dossier "
                f"({format_amount(claim.principal_cents)}, échéance {claim.due_date:%d/%m/%Y}).",
            )

        # invoices paid in full, sometimes several with one transfer
        paid = sorted(plan.full_payment_day.items(), key=lambda item: (item[1], item[0]))
        group: list[Claim] = []
        group_day: date | None = None
        for index, day in paid:
            claim = claims[index]
            claim.status = ClaimStatus.PAID
            if (
                group
                and group_day is not None
                and (day - group_day).days <= 20
                and claim.issue_date < group_day
                and rng.randint(1, 100) <= 30
            ):
                group.append(claim)
                continue
            if group:
                self._pay(plan, group_day, [(c, self.remaining[id(c)]) for c in group])
            group, group_day = [claim], day
        if group:
            self._pay(plan, group_day, [(c, self.remaining[id(c)]) for c in group])

        if plan.stage == CaseStatus.CLOSED:
            self._closing(plan)
        else:
            self._collection(plan)

        for claim in claims:
            if self.remaining[id(claim)] == 0:
                claim.status = ClaimStatus.PAID
        if plan.stage != CaseStatus.CLOSED:
            assert any(c.status != ClaimStatus.PAID for c in claims), "active case fully paid"
        self._flush(plan)

    def _closing(self, plan: _CasePlan) -> None:
        last = max(plan.claims, key=lambda c: c.due_date)
        paid_on = plan.full_payment_day[plan.claims.index(last)]
        if paid_on > last.due_date + timedelta(days=7):
            self._event(
                plan,
                last.due_date + timedelta(days=7),
                InteractionKind.EMAIL,
                f"Relance amiable n°1 envoyée par e-mail : facture {last.reference} échue le "
                f"{last.due_date:%d/%m/%Y} ({format_amount(last.principal_cents)}).",
                direction=Direction.OUTBOUND,
                channel=InteractionKind.EMAIL,
            )
        self._event(
            plan,
            plan.closed_on,
            InteractionKind.STATUS,
            f"Étape : {CaseStatus.AMICABLE.label} → {CaseStatus.CLOSED.label}.",
            author=self._author(plan, "agent"),
        )
        self._event(
            plan,
            plan.closed_on,
            InteractionKind.NOTE,
            "Dossier clos : toutes les créances sont soldées.",
            author=self._author(plan, "agent"),
        )

    def _collection(self, plan: _CasePlan) -> None:  # noqa: C901 - one narrative per stage
        rng, today = self.rng, self.today
        anchor = plan.claims[0]
        start = plan.anchor_due
        span = (today - start).days
        person = plan.debtor.kind == DebtorKind.PERSON
        agency = plan.segment is not BATIMAT

        def at(frac_percent: int) -> date:
            return start + timedelta(days=max(1, span * frac_percent // 100))

        def status(frac: int, old: str, new: str) -> None:
            self._event(
                plan,
                at(frac),
                InteractionKind.STATUS,
                f"Étape : {CaseStatus(old).label} → {CaseStatus(new).label}.",
                author=self._author(plan, "agent"),
            )

        path = STAGE_PATH[plan.stage]
        late = len(path) >= 2 or plan.stage in (CaseStatus.PAYMENT_PLAN,)
        amount_text = format_amount(anchor.principal_cents)

        # amicable reminders
        self._event(
            plan,
            at(4 if late else 10),
            InteractionKind.EMAIL,
            f"Relance amiable n°1 envoyée par e-mail : facture {anchor.reference} échue le "
            f"{anchor.due_date:%d/%m/%Y} ({amount_text}).",
            direction=Direction.OUTBOUND,
            channel=InteractionKind.EMAIL,
        )
        if span >= 10:
            if person:
                self._event(
                    plan,
                    at(8 if late else 30),
                    InteractionKind.SMS,
                    f"SMS de relance : « Votre facture de {amount_text} reste impayée. Réglez-la "
                    "en ligne ou contactez-nous. »",
                    direction=Direction.OUTBOUND,
                    channel=InteractionKind.SMS,
                )
            else:
                self._event(
                    plan,
                    at(8 if late else 30),
                    InteractionKind.EMAIL,
                    "Relance n°2 envoyée au service comptabilité, copie au gérant.",
                    direction=Direction.OUTBOUND,
                    channel=InteractionKind.EMAIL,
                    author=self._author(plan, "agent"),
                )
        if span >= 20:
            outcomes = CALL_OUTCOMES if person else COMPANY_CALL_OUTCOMES
            text, promise = rng.choice(outcomes)
            call_day = at(12 if late else 55)
            self._event(
                plan,
                call_day,
                InteractionKind.CALL,
                text,
                direction=Direction.OUTBOUND,
                channel=InteractionKind.CALL,
                author=self._author(plan, "agent"),
            )
            if promise:
                promised = call_day + timedelta(days=rng.randint(7, 25))
                self._event(
                    plan,
                    call_day,
                    InteractionKind.PROMISE,
                    f"Promesse de paiement de {amount_text} pour le {promised:%d/%m/%Y}.",
                    author=self._author(plan, "agent"),
                )
        if plan.stage == CaseStatus.AMICABLE and rng.randint(1, 100) <= 10 and span >= 20:
            self._pay(plan, at(80), self._partial(plan, at(80), 20, 60))
        if plan.stage == CaseStatus.DISPUTED:
            self._dispute(plan, status)
            return

        previous = CaseStatus.AMICABLE
        # formal notice
        if CaseStatus.FORMAL_NOTICE in path:
            frac = 20 if len(path) >= 2 else 45
            status(frac, previous, CaseStatus.FORMAL_NOTICE)
            previous = CaseStatus.FORMAL_NOTICE
            tracking = " ".join(
                (
                    "1A",
                    str(rng.randint(100, 999)),
                    str(rng.randint(100, 999)),
                    str(rng.randint(1000, 9999)),
                    str(rng.randint(0, 9)),
                )
            )
            self._event(
                plan,
                at(frac),
                InteractionKind.LETTER,
                f"Mise en demeure envoyée en LRAR (n° {tracking}) : règlement de "
                f"{amount_text} demandé sous 8 jours.",
                direction=Direction.OUTBOUND,
                channel=InteractionKind.LETTER,
                author=self._author(plan, "agent"),
            )
            receipt = rng.choice(
                (
                    "Accusé de réception de la mise en demeure signé.",
                    "Pli avisé et non réclamé, retourné à l'expéditeur.",
                    "Accusé de réception de la mise en demeure signé.",
                )
            )
            self._event(
                plan,
                at(frac + 5),
                InteractionKind.LETTER,
                receipt,
                direction=Direction.INBOUND,
                channel=InteractionKind.LETTER,
            )
            # first presentation of the registered letter: legal interest runs from it
            # for consumer debtors (C. civ. 1231-6, 1344-1)
            plan.case.formal_notice_on = at(frac) + timedelta(days=2)
            if plan.stage == CaseStatus.FORMAL_NOTICE and rng.randint(1, 100) <= 25:
                parts = self._partial(plan, at(75), 20, 60)
                self._pay(plan, at(75), parts)

        if (
            agency
            and person
            and rng.randint(1, 100) <= 35
            and plan.stage
            in (
                CaseStatus.FORMAL_NOTICE,
                CaseStatus.NEGOTIATION,
                CaseStatus.LEGAL,
            )
        ):
            self._visit(plan, at(60))

        if CaseStatus.NEGOTIATION in path:
            frac = 35 if plan.stage == CaseStatus.PAYMENT_PLAN else 50
            self._event(
                plan,
                at(frac),
                InteractionKind.CALL,
                "Appel entrant du débiteur : difficultés de trésorerie, demande un délai de "
                "paiement.",
                direction=Direction.INBOUND,
                channel=InteractionKind.CALL,
                author=self._author(plan, "agent"),
            )
            status(frac, previous, CaseStatus.NEGOTIATION)
            previous = CaseStatus.NEGOTIATION
            self._event(
                plan,
                at(frac + 10),
                InteractionKind.EMAIL,
                "Proposition envoyée : règlement en trois mensualités, ou abandon des pénalités "
                "en cas de paiement intégral sous 15 jours.",
                direction=Direction.OUTBOUND,
                channel=InteractionKind.EMAIL,
                author=self._author(plan, "agent"),
            )
            if plan.stage == CaseStatus.NEGOTIATION and rng.randint(1, 100) <= 50:
                parts = self._partial(plan, at(85), 15, 50)
                self._pay(plan, at(85), parts, label=f"Acompte sur {anchor.reference}")

        if plan.stage == CaseStatus.PAYMENT_PLAN:
            self._installments(plan, at(45), previous)
            return

        if CaseStatus.LEGAL in path:
            frac = 30 if plan.stage == CaseStatus.LEGAL else 20
            status(frac + 5, previous, CaseStatus.LEGAL)
            previous = CaseStatus.LEGAL
            lawyer = (
                "Maître Hélène Roux, commissaire de justice"
                if plan.case.legal_partner is not None
                else "notre avocat"
            )
            self._event(
                plan,
                at(frac + 5),
                InteractionKind.NOTE,
                f"Dossier transmis à {lawyer}, pour recouvrement judiciaire.",
                author=self._author(plan, "agent"),
            )
            court = "tribunal judiciaire" if person else "tribunal de commerce"
            due = sum(self.remaining[id(c)] for c in self._open_claims(plan, at(frac + 15)))
            self._event(
                plan,
                at(frac + 15),
                InteractionKind.NOTE,
                f"Requête en injonction de payer déposée au {court} (montant réclamé en "
                f"principal : {format_amount(due)}).",
                author=self._author(plan, "partner"),
            )
            if plan.stage == CaseStatus.ENFORCEMENT or rng.randint(1, 100) <= 60:
                self._event(
                    plan,
                    at(frac + 30),
                    InteractionKind.LETTER,
                    f"Ordonnance d'injonction de payer rendue le {at(frac + 28):%d/%m/%Y}, "
                    "signifiée au débiteur.",
                    direction=Direction.OUTBOUND,
                    channel=InteractionKind.LETTER,
                    author=self._author(plan, "partner"),
                )
            if plan.stage == CaseStatus.LEGAL and rng.randint(1, 100) <= 20:
                self._pay(plan, at(85), self._partial(plan, at(85), 10, 40))

        if plan.stage == CaseStatus.ENFORCEMENT:
            status(60, previous, CaseStatus.ENFORCEMENT)
            plan.case.judgment_enforceable_on = at(62)
            self._event(
                plan,
                at(62),
                InteractionKind.LETTER,
                "Délai d'opposition expiré sans opposition : l'ordonnance est exécutoire ; "
                "commandement de payer signifié.",
                direction=Direction.OUTBOUND,
                channel=InteractionKind.LETTER,
                author=self._author(plan, "partner"),
            )
            self._event(
                plan,
                at(75),
                InteractionKind.NOTE,
                "Saisie-attribution pratiquée sur le compte bancaire du débiteur.",
                author=self._author(plan, "partner"),
            )
            if rng.randint(1, 100) <= 50:
                parts = self._partial(plan, at(85), 20, 70)
                amount = sum(c for _claim, c in parts)
                self._pay(
                    plan,
                    at(85),
                    parts,
                    method=PaymentMethod.TRANSFER,
                    reference=f"VIR SEPA ETUDE ROUX SAISIE {anchor.reference}",
                    label="Fonds saisis reversés par l'étude",
                    author=self._author(plan, "partner"),
                    text=f"Fonds reçus de l'étude après saisie-attribution : "
                    f"{format_amount(amount)}.",
                )

    def _dispute(self, plan: _CasePlan, status: Any) -> None:
        rng = self.rng
        anchor = plan.claims[0]
        span = (self.today - plan.anchor_due).days
        day = plan.anchor_due + timedelta(days=max(2, span * 35 // 100))
        reason = rng.choice(DISPUTE_REASONS[plan.segment.creditor])
        self._event(
            plan,
            day,
            InteractionKind.DISPUTE,
            f"Le débiteur conteste la facture {anchor.reference} : {reason}.",
            direction=Direction.INBOUND,
            channel=InteractionKind.EMAIL,
            author=self._author(plan, "agent"),
        )
        status(36, CaseStatus.AMICABLE, CaseStatus.DISPUTED)
        self._event(
            plan,
            plan.anchor_due + timedelta(days=max(3, span * 60 // 100)),
            InteractionKind.NOTE,
            "Justificatifs demandés au créancier (bons de livraison, contrat signé)."
            if plan.segment is not BATIMAT
            else "Dossier transmis au service commercial pour vérification.",
            author=self._author(plan, "agent"),
        )

    def _visit(self, plan: _CasePlan, day: date) -> None:
        rng = self.rng
        collector = self._author(plan, "collector")
        if rng.randint(1, 100) <= 45:
            parts = self._partial(plan, day, 20, 60)
            if parts:
                amount = sum(c for _claim, c in parts)
                method = rng.choice((PaymentMethod.CHEQUE, PaymentMethod.CASH))
                self._event(
                    plan,
                    day,
                    InteractionKind.VISIT,
                    f"Visite au domicile : débiteur rencontré, remise de {format_amount(amount)} "
                    f"en {METHOD_WORDS[method]}.",
                    direction=Direction.OUTBOUND,
                    channel=InteractionKind.VISIT,
                    author=collector,
                )
                self._pay(plan, day, parts, method=method, author=collector)
                return
        self._event(
            plan,
            day,
            InteractionKind.VISIT,
            "Visite au domicile : débiteur absent, avis de passage déposé.",
            direction=Direction.OUTBOUND,
            channel=InteractionKind.VISIT,
            author=collector,
        )

    def _installments(self, plan: _CasePlan, start: date, previous: str) -> None:
        rng, today = self.rng, self.today
        due = sum(self.remaining[id(c)] for c in self._open_claims(plan, start))
        elapsed = max(1, (today - start).days // 30 + 1)
        count = elapsed + rng.randint(1, 8)
        instalment = max(100, due // count)
        agent = self._author(plan, "agent")
        self._event(
            plan,
            start,
            InteractionKind.STATUS,
            f"Étape : {CaseStatus(previous).label} → {CaseStatus.PAYMENT_PLAN.label}.",
            author=agent,
        )
        self._event(
            plan,
            start,
            InteractionKind.NOTE,
            f"Échéancier accordé : {count} mensualités de {format_amount(instalment)} à partir "
            f"du {start:%d/%m/%Y}.",
            author=agent,
        )
        method = self._method(plan)
        for k in range(elapsed):
            day = start + timedelta(days=30 * k)
            if day > today:
                break
            parts = self._spread(plan, start, instalment)
            # keep something due: the plan is not over
            if sum(self.remaining[id(c)] for c in self._open_claims(plan, start)) <= instalment:
                break
            self._pay(
                plan,
                day,
                parts,
                method=method,
                label=f"Échéance {k + 1}/{count} de l'échéancier",
            )

    def _flush(self, plan: _CasePlan) -> None:
        """Turn the pending events into Interactions with increasing times in the past."""
        rng = self.rng
        pending = sorted(self._pending, key=lambda e: (e.day, e.seq))
        stamps: list[datetime] = []
        for event in pending:
            if stamps and stamps[-1].date() == event.day:
                stamps.append(stamps[-1] + timedelta(minutes=rng.randint(3, 75)))
            else:
                stamps.append(self._at(event.day, 8) + timedelta(minutes=rng.randint(0, 300)))
        limit = self.now - timedelta(minutes=1)
        for i in range(len(stamps) - 1, -1, -1):
            stamps[i] = min(stamps[i], limit)
            limit = stamps[i] - timedelta(minutes=1)
        for event, stamp in zip(pending, stamps, strict=True):
            self.events.append(
                Interaction(
                    organization=plan.case.organization,
                    case=plan.case,
                    kind=event.kind,
                    channel=event.channel,
                    direction=event.direction,
                    author=event.author,
                    occurred_at=stamp,
                    text=event.text,
                    created_at=stamp,
                )
            )
        self._pending = []

    # writing

    def _write(self, debtors: list[tuple[Debtor, Segment]], plans: list[_CasePlan]) -> None:
        first_issue: dict[int, date] = {}
        for plan in plans:
            start = min(c.issue_date for c in plan.claims)
            key = id(plan.debtor)
            first_issue[key] = min(first_issue.get(key, start), start)
        for debtor, _segment in debtors:
            debtor.created_at = self._at(first_issue.get(id(debtor), self.today), 8)
        _rate_risks(plans)
        Debtor.objects.bulk_create([d for d, _s in debtors], batch_size=BATCH)
        Contact.objects.bulk_create(self.contacts, batch_size=BATCH)
        cases = [p.case for p in plans]
        Case.objects.bulk_create(cases, batch_size=BATCH)
        for case in cases:
            case.reference = f"D-{case.pk:06d}"
        Case.objects.bulk_update(cases, ["reference"], batch_size=BATCH)
        Claim.objects.bulk_create([c for p in plans for c in p.claims], batch_size=BATCH)
        Payment.objects.bulk_create(self.payments, batch_size=BATCH)
        Allocation.objects.bulk_create(self.allocations, batch_size=BATCH)
        Interaction.objects.bulk_create(self.events, batch_size=BATCH)


def build_demo(seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, int]:
    """Create the demo organisations and their data; returns counts and the time taken."""
    started = clock.perf_counter()
    counts = DemoBuilder(seed=seed, scale=scale).build()
    counts["durée_ms"] = round((clock.perf_counter() - started) * 1000)
    return counts


def delete_demo() -> None:
    """Delete the demo organisations, everything they hold, and the demo users."""
    with transaction.atomic():
        org_ids = list(
            Organization.objects.filter(name__in=DEMO_ORG_NAMES).values_list("pk", flat=True)
        )
        in_orgs = {"organization_id__in": org_ids}
        # children before parents: most foreign keys are PROTECT
        from recouvra.cases.models import Dispute, PaymentPlan, Promise, Task
        from recouvra.dunning.models import (
            Assignment,
            DunningRun,
            Message,
            Scenario,
            Step,
            StepRun,
            Template,
        )
        from recouvra.imports.models import (
            BankAccount,
            BankLine,
            ColumnMapping,
            ImportBatch,
            MatchProposal,
        )

        for model in (
            Message,
            StepRun,
            DunningRun,
            Assignment,
            Step,
            Scenario,
            Template,
            Task,
            Dispute,
            Promise,
            PaymentPlan,
            MatchProposal,
            Allocation,
            Payment,
            BankLine,
            BankAccount,
            ImportBatch,
            ColumnMapping,
            Interaction,
            Claim,
            Case,
            Contact,
            Debtor,
        ):
            model.objects.filter(**in_orgs).delete()
        Membership.objects.filter(**in_orgs).delete()
        Creditor.objects.filter(**in_orgs).delete()
        Organization.objects.filter(pk__in=org_ids).delete()
        User.objects.filter(email__in=[u["email"] for u in DEMO_USERS]).delete()


__all__ = [
    "DEMO_PASSWORD",
    "DEMO_URL",
    "DEMO_USERS",
    "DemoBuilder",
    "build_demo",
    "delete_demo",
]
