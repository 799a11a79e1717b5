"""What the demo builder plans before it writes: segments, stages, case stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from recouvra.cases.models import Case, CaseStatus, Direction
from recouvra.core.models import User
from recouvra.ledger.models import RISK_RANK, Claim, Debtor, PaymentMethod, RiskLevel

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


@dataclass
class Event:
    day: date
    seq: int
    kind: str
    text: str
    direction: str = Direction.INTERNAL
    channel: str = ""
    author: User | None = None


@dataclass
class CasePlan:
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


def rate_risks(plans: list[CasePlan]) -> None:
    """The credit manager's rating: the worst stage any of the debtor's cases reached."""
    for plan in plans:
        level = RISK_OF_STAGE.get(plan.stage, RiskLevel.LOW)
        if RISK_RANK[level] > RISK_RANK[plan.debtor.risk_level]:
            plan.debtor.risk_level = level


# --- the builder -----------------------------------------------------------------------
