"""What a letter (or a message) says about a case, as plain values: the parties, the
overdue claims with what is still due (recouvra.law), the deadline, the legal mentions.

case_context feeds the message templates (dunning.texts) and letter_data the typst
layout (typeset.py). Amounts and dates are formatted here, the French way.

A document states figures only when the law engine could compute them all: a rate missing
from the tables, or any other refusal of the engine, raises FiguresUnavailable (why, in
French, and where to fix it); the outbox holds such a message. A contractual rate below
the legal floor is no refusal: the figures are computed at the floor and the letter says
so (C. com. L441-10 II).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date

from recouvra.cases.models import Case
from recouvra.cases.plans import Balance
from recouvra.law.money import format_amount
from recouvra.law.statement import ENGINE_REFUSALS, StatementLine, refusal_fr
from recouvra.lawdesk.statements import StatementBook
from recouvra.ledger.models import Claim, DebtorKind, Payment

from .words import euros_in_words

PAYMENT_DAYS = 8  # the deadline a reminder or a formal notice gives: "sous huit jours"

REMINDER, NOTICE = "reminder", "formal_notice"

# CPCE L111-8, paragraphs 2 and 3: an agency's letter reproduces them (R124-4)
L111_8 = (
    "Article L111-8 du code des procédures civiles d'exécution, alinéas 2 et 3 : « Les frais "
    "de recouvrement entrepris sans titre exécutoire restent à la charge du créancier, sauf "
    "s'ils concernent un acte dont l'accomplissement est prescrit par la loi au créancier. "
    "Toute stipulation contraire est réputée non écrite, sauf disposition législative "
    "contraire. Cependant, le créancier qui justifie du caractère nécessaire des démarches "
    "entreprises pour recouvrer sa créance peut demander au juge de l'exécution de laisser "
    "tout ou partie des frais ainsi exposés à la charge du débiteur de mauvaise foi. »"
)
NOT_A_COURT_DOCUMENT = (
    "Ce courrier est une démarche amiable : ce n'est ni un acte de justice ni une décision "
    "d'un tribunal."
)


class FiguresUnavailable(Exception):
    """The law engine cannot give the figures a document states; `reason` says which, in
    French, and where to fix it (Paramètres → Taux for a rate)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def statement_lines(
    claims: list[Claim], as_of: date, book: StatementBook | None = None
) -> list[StatementLine]:
    """The statement's lines of `claims` on `as_of`, every figure computed, or
    FiguresUnavailable: a letter never states interest cut short by a missing rate.
    `book`: the StatementBook of a pass that holds these claims (read once for all)."""
    if not claims:
        return []
    try:
        statement = (book or StatementBook(claims)).statement(claims, as_of)
    except ENGINE_REFUSALS as refused:
        raise FiguresUnavailable(refusal_fr(refused)) from refused
    if statement.missing_rates:
        reasons = dict.fromkeys(missing.message_fr for missing in statement.missing_rates)
        raise FiguresUnavailable(" ".join(reasons))
    return statement.lines


def long_date(day: date) -> str:
    """4 février 2026."""
    return format_date(day, format="d MMMM y", locale="fr_FR")


def case_context(case: Case, as_of: date) -> dict[str, Any]:
    """What a template may use: the parties, the overdue claims with what is still due on
    `as_of` (principal, interest, fees: recouvra.law), the totals and the deadline."""
    return CaseContexts([case], as_of).of(case)


class CaseContexts:
    """case_context for many cases on one day (a dunning pass): their overdue claims,
    payments, events and the rates read once for all (a few queries, not a few a case).
    Each context is made when first asked, then kept: a refusal of the law engine for one
    case is raised for that case alone. Pass cases with their debtor, creditor,
    organization and assigned_to selected (select_related), or each costs a query more."""

    def __init__(self, cases: Iterable[Case], as_of: date) -> None:
        self.as_of = as_of
        self._claims: dict[int, list[Claim]] = defaultdict(list)
        overdue = Claim.objects.filter(
            case_id__in=[case.pk for case in cases], status="open", due_date__lt=as_of
        ).order_by("due_date", "pk")
        for claim in overdue:
            self._claims[claim.case_id].append(claim)
        self._book = StatementBook([c for claims in self._claims.values() for c in claims])
        self._made: dict[int, dict[str, Any]] = {}

    def of(self, case: Case) -> dict[str, Any]:
        """The context of `case`, one of the cases given (the same dict each time: do not
        change it)."""
        if case.pk not in self._made:
            claims = self._claims.get(case.pk, [])
            lines = statement_lines(claims, self.as_of, self._book)
            self._made[case.pk] = _context(case, claims, lines, self.as_of)
        return self._made[case.pk]


def _context(
    case: Case, claims: list[Claim], lines: list[StatementLine], as_of: date
) -> dict[str, Any]:
    currency = claims[0].currency if claims else "EUR"

    def money(cents: int) -> str:
        return format_amount(cents, currency)

    rows = [
        {
            "reference": line.claim.ref,
            "issue_date": _day(line.claim.issue_date),
            "due_date": _day(line.claim.due_date),
            "days_late": (as_of - line.claim.due_date).days,
            "principal": money(line.principal_due),
            "interest": money(line.interest_due),
            "fees": money(line.fees_due),
            "total": money(line.balance_cents),
            "rate_to_confirm": not line.verified,
            "floor_mention": line.floor_mention_fr,  # "" unless at the floor (L441-10 II)
        }
        for line in lines
        if line.balance_cents > 0
    ]
    debtor, creditor, org = case.debtor, case.creditor, case.organization
    agent = case.assigned_to
    return {
        "organization": {
            "name": org.name,
            "address": [line for line in org.address.splitlines() if line.strip()],
            "email": org.email,
            "phone": org.phone,
            "siren": org.siren,
            "is_agency": org.is_agency,
            "logo": org.logo.name if org.logo else "",
        },
        "creditor": {
            "name": creditor.name,
            "address": creditor.address_lines,
            "email": creditor.email,
            "phone": creditor.phone,
            "iban": creditor.iban,
        },
        "debtor": {
            "name": debtor.name,
            "address": debtor.address_lines,
            "postal_code": debtor.postal_code,
            "is_consumer": debtor.kind == DebtorKind.PERSON,
            "customer_code": debtor.customer_code,
        },
        "case": {"reference": case.reference},
        "agent": {
            "name": getattr(agent, "full_name", "") or "",
            "email": getattr(agent, "email", ""),
        },
        "claims": rows,
        "principal": money(sum(line.principal_due for line in lines)),
        "interest": money(sum(line.interest_due for line in lines)),
        "fees": money(sum(line.fees_due for line in lines)),
        "total": money(sum(max(line.balance_cents, 0) for line in lines)),
        "total_cents": sum(max(line.balance_cents, 0) for line in lines),
        "currency": currency,
        "rate_to_confirm": any(row["rate_to_confirm"] for row in rows),
        "floor_mentions": [
            f"{row['reference']} : {row['floor_mention']}" for row in rows if row["floor_mention"]
        ],
        "today": _day(as_of),
        "today_long": long_date(as_of),
        "deadline": _day(as_of + timedelta(days=PAYMENT_DAYS)),
        "deadline_long": long_date(as_of + timedelta(days=PAYMENT_DAYS)),
    }


def letter_data(
    context: dict[str, Any],
    *,
    subject: str,
    text: str,
    kind: str = REMINDER,
    registered: bool = False,
    first_letter: str = "",
) -> dict[str, Any]:
    """The typst layout's data for a letter saying `text` (paragraphs split on blank lines)
    about the case of `context` (case_context)."""
    org, creditor, debtor = context["organization"], context["creditor"], context["debtor"]
    agency = org["is_agency"]
    sender = org if agency or not creditor["address"] else creditor
    contact = " · ".join(part for part in (sender.get("phone"), sender.get("email")) if part)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    consumer = debtor["is_consumer"]
    notes = ["Intérêts calculés avec un taux à confirmer."] if context["rate_to_confirm"] else []
    # C. com. L441-10 II: the interest of a claim whose contractual rate is below the floor
    # is stated at the floor, marked, and the letter says why
    notes += [f"* {mention}" for mention in context.get("floor_mentions", ())]
    rows = [
        {**row, "interest": row["interest"] + "\u00a0*"} if row.get("floor_mention") else row
        for row in context["claims"]
    ]
    return {
        "kind": kind,
        "registered": registered,
        "logo": org.get("logo") or None,
        "sender": {"name": sender["name"], "address": sender["address"], "contact": contact},
        "recipient": {"name": debtor["name"], "address": debtor["address"]},
        "postal_code": debtor["postal_code"],
        "mode": "Recommandé AR" if registered else "Lettre simple",
        "place": _city(sender["address"]),
        "date": context["today_long"],
        "subject": subject,
        "reference": " — ".join(
            part
            for part in (
                f"dossier {context['case']['reference']}",
                f"compte client {debtor['customer_code']}" if debtor["customer_code"] else "",
                f"suite à notre courrier {first_letter}" if first_letter else "",
            )
            if part
        ),
        "title": "MISE EN DEMEURE" if kind == NOTICE else "",
        "paragraphs": paragraphs,
        "rows": rows,
        "totals": {"today": context["today"], "total": context["total"], "notes": notes},
        "deadline": (
            f"Merci de régler {context['total']} au plus tard le {context['deadline_long']}."
        ),
        "closing": [],
        "signature": context["agent"]["name"] or sender["name"],
        "mentions": _mentions(kind, consumer, agency, org, creditor),
        "footer": _footer(sender, org),
    }


def _mentions(
    kind: str, consumer: bool, agency: bool, org: dict[str, Any], creditor: dict[str, Any]
) -> list[str]:
    mentions = []
    if kind == NOTICE and consumer:
        mentions.append(
            "La présente mise en demeure fait courir les intérêts au taux légal (articles "
            "1231-6 et 1344-1 du code civil). Aucun frais de recouvrement ne peut vous être "
            "réclamé (article L111-8 du code des procédures civiles d'exécution)."
        )
    elif kind == NOTICE:
        mentions.append(
            "Pénalités de retard au taux prévu par l'article L441-10 du code de commerce, "
            "exigibles de plein droit ; indemnité forfaitaire pour frais de recouvrement de "
            "40 euros par facture payée en retard (articles L441-10 et D441-5 du code de "
            "commerce)."
        )
    if agency:
        seat = ", ".join(org["address"])
        creditor_address = ", ".join(creditor["address"])
        mentions.append(
            f"{org['name']}{', ' + seat if seat else ''} exerce une activité de recouvrement "
            f"amiable de créances pour le compte de {creditor['name']}"
            f"{', ' + creditor_address if creditor_address else ''}, créancier."
        )
        mentions.append(L111_8)
    mentions.append(NOT_A_COURT_DOCUMENT)
    return mentions


def _footer(sender: dict[str, Any], org: dict[str, Any]) -> str:
    parts = [sender["name"], *sender["address"]]
    if org.get("siren"):
        parts.append(f"SIREN {org['siren']}")
    return " · ".join(parts)


def _city(address: list[str]) -> str:
    """ "69740 Genas" → "Genas"."""
    for line in reversed(address):
        words = line.split()
        if words and words[0].isdigit() and len(words[0]) == 5:
            return " ".join(words[1:])
    return ""


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


RECEIPT = "receipt"


def receipt_data(payment: Payment) -> dict[str, Any]:
    """The receipt (quittance) of a payment: its number, who paid what, when, how, who took
    it, the amount in figures and words, where it went (claim by claim: principal,
    interest, fees) and what is left to pay. An agency gives one for every payment it
    collects, on behalf of the creditor it names (CPCE R124-6)."""
    from recouvra.ledger.models import Allocation

    allocations = list(
        Allocation.objects.filter(payment=payment)
        .select_related("claim")
        .order_by("claim__due_date")
    )

    def money(cents: int) -> str:
        return format_amount(cents, payment.currency)

    debtor, creditor, org = payment.debtor, payment.creditor, payment.organization
    agency = org.is_agency
    org_address = [line for line in org.address.splitlines() if line.strip()]
    sender = (
        {"name": org.name, "address": org_address}
        if agency
        else {
            "name": creditor.name,
            "address": creditor.address_lines,
        }
    )
    contact = " · ".join(part for part in (org.phone, org.email) if part)
    how = payment.get_method_display().lower()
    reference = f", référence {payment.reference}" if payment.reference else ""
    on_behalf = f", pour le compte de {creditor.name}" if agency else ""
    paragraphs = [
        f"Nous avons reçu de {debtor.name} la somme de {money(payment.amount_cents)} "
        f"({euros_in_words(payment.amount_cents)}) le {long_date(payment.received_on)}, "
        f"par {how}{reference}{on_behalf}.",
        _collected_by(payment),
        "Ce paiement a été imputé comme suit :" if allocations else "",
    ]
    rows = [
        {
            "reference": a.claim.reference,
            "issue_date": _day(a.claim.issue_date),
            "due_date": _day(a.claim.due_date),
            "principal": money(a.to_principal),
            "interest": money(a.to_interest),
            "fees": money(a.to_fees),
            "total": money(a.to_principal + a.to_interest + a.to_fees),
        }
        for a in allocations
    ]
    left = _left_to_pay(payment)
    closing = [
        f"Reste dû à ce jour sur ce dossier : {money(left)}."
        if left > 0
        else "Ce paiement solde les créances de ce dossier."
    ]
    mentions = []
    if agency:
        creditor_address = ", ".join(creditor.address_lines)
        mentions.append(
            f"Quittance délivrée par {org.name}, qui recouvre amiablement cette créance pour "
            f"le compte de {creditor.name}{', ' + creditor_address if creditor_address else ''}"
            ", créancier (article R124-6 du code des procédures civiles d'exécution)."
        )
    mentions.append(NOT_A_COURT_DOCUMENT)
    number = payment.receipt_number
    return {
        "kind": RECEIPT,
        "registered": False,
        "logo": org.logo.name if org.logo else None,
        "sender": {**sender, "contact": contact},
        "recipient": {"name": debtor.name, "address": debtor.address_lines},
        "postal_code": debtor.postal_code,
        "mode": "Lettre simple",
        "place": _city(sender["address"]),
        "date": long_date(payment.received_on),
        "subject": f"Quittance {number}" if number else "Quittance",
        "reference": " — ".join(
            part
            for part in (f"quittance n° {number}" if number else "", f"paiement n° {payment.pk}")
            if part
        ),
        "title": f"QUITTANCE N° {number}" if number else "QUITTANCE",
        "paragraphs": [p for p in paragraphs if p],
        "rows": rows,
        "totals": {
            "today": _day(payment.received_on),
            "total": money(payment.amount_cents),
            "label": "Total reçu",
        },
        "deadline": "",
        "closing": closing,
        "signature": sender["name"],
        "mentions": mentions,
        "footer": _footer(sender, {"siren": org.siren}),
    }


def _collected_by(payment: Payment) -> str:
    """Who took the payment by hand (a field collector on a visit), if anyone."""
    collector = payment.collected_by
    if collector is None:
        return ""
    return f"Paiement remis en main propre à {collector.get_full_name()}, qui l'a encaissé."


def _left_to_pay(payment: Payment) -> int:
    """What the debtor still owes this creditor on its open claims (principal), now."""
    claims = Claim.objects.filter(
        organization_id=payment.organization_id,
        debtor_id=payment.debtor_id,
        creditor_id=payment.creditor_id,
        currency=payment.currency,
    ).open()
    return sum(max(claim.balance, 0) for claim in claims.with_balance())


PLAN_AGREEMENT = "plan_agreement"


def statement_balance(case: Case, today: date) -> Balance | None:
    """What the case owes today by the statement of its open claims (principal, interest,
    fees): what a promise or a plan is measured against (cases.plans.balance_due). None when
    the engine cannot compute it all (a missing rate): the open claims' balance is used."""
    claims = [c for c in Claim.objects.filter(case=case).with_balance() if c.is_open]
    if not claims:
        return Balance(0)
    try:
        lines = statement_lines(claims, today)
    except FiguresUnavailable:
        return None
    return Balance(
        principal_cents=sum(max(line.principal_due, 0) for line in lines),
        interest_cents=sum(max(line.interest_due, 0) for line in lines),
        fees_cents=sum(max(line.fees_due, 0) for line in lines),
    )


def _schedule_items(instalments: Iterable[Any], money: Any) -> list[dict[str, str]]:
    return [
        {
            "number": "Acompte" if item.number == 0 else str(item.number),
            "due_date": _day(item.due_on) + (" (réduite)" if item.reduced else ""),
            "amount": money(item.amount_cents),
        }
        for item in instalments
    ]


def _creditor_side(context: dict[str, Any]) -> str:
    org, creditor = context["organization"], context["creditor"]
    return (
        f"{org['name']}, pour le compte de {creditor['name']}"
        if org["is_agency"]
        else (creditor["name"])
    )


def plan_agreement_data(
    context: dict[str, Any], plan: Any, instalments: list[Any], *, grace_days: int
) -> dict[str, Any]:
    """The payment plan agreement (échéancier) about the case of `context` (case_context):
    the debt, the stored instalments, the down payment and the reduction, the interest
    waiver, the lapse clause after `grace_days`, C. civ. 1343-5 when the plan runs past two
    years, the SEPA mandate when paid by direct debit, and where both parties sign."""
    from recouvra.law.instalments import beyond_court_grace

    creditor, debtor = context["creditor"], context["debtor"]
    currency = context.get("currency", "EUR")

    def money(cents: int) -> str:
        return format_amount(cents, currency)

    letter = letter_data(context, subject="Accord de paiement échelonné", text="")
    count = sum(1 for item in instalments if item.number > 0)
    before = [
        f"Les parties conviennent que la somme de {money(plan.total_cents)} sera réglée "
        + (
            f"par un acompte de {money(plan.down_payment_cents)} puis "
            if plan.down_payment_cents
            else ""
        )
        + f"en {count} échéance(s) {plan.get_frequency_display().lower()}s, selon le "
        "calendrier suivant :"
    ]
    if plan.reduced_count:
        before.append(
            f"Les {plan.reduced_count} premières échéances sont temporairement réduites à "
            f"{money(plan.reduced_amount_cents)}."
        )
    after = [
        "Tant que les échéances sont réglées à leur date, aucune relance ni autre démarche "
        "de recouvrement n'est engagée pour cette somme.",
    ]
    if plan.interest_waived:
        after.append(
            "Le créancier renonce aux intérêts de retard et pénalités courus sur cette somme, "
            "sous réserve du respect de l'échéancier : à défaut, ils redeviennent exigibles."
        )
    after.append(
        "Déchéance du terme : si une échéance reste impayée "
        f"{grace_days} jours après sa date, le présent accord prend fin de plein droit et le "
        "solde restant dû, déduction faite des versements reçus, devient immédiatement "
        "exigible en une seule fois."
    )
    if plan.direct_debit:
        after.append(
            "Les échéances sont réglées par prélèvement SEPA : le débiteur signe à cet effet "
            "un mandat de prélèvement SEPA ; il est informé de chaque prélèvement avant son "
            "échéance."
        )
    if beyond_court_grace(list(instalments)):
        after.append(
            "Cet échéancier, convenu à l'amiable, s'étend au-delà de deux ans : il ne s'agit "
            "pas d'un délai de grâce judiciaire, qu'un juge ne peut accorder que dans la "
            "limite de deux années (article 1343-5 du code civil)."
        )
    after.append("Un paiement anticipé de tout ou partie du solde reste possible à tout moment.")
    letter.update(
        {
            "kind": PLAN_AGREEMENT,
            "title": "ÉCHÉANCIER DE PAIEMENT",
            "reference": " — ".join(
                p for p in (letter["reference"], f"échéancier n° {plan.pk}") if p
            ),
            "paragraphs": [
                f"{debtor['name']} reconnaît devoir à {creditor['name']} la somme de "
                f"{money(plan.total_cents)} au {long_date(plan.agreed_on or plan.starts_on)}"
                + (", dont le détail figure ci-dessous." if context["claims"] else "."),
            ],
            "deadline": "",
            "schedule": {
                "before": before,
                "items": _schedule_items(instalments, money),
                "total": money(sum(item.amount_cents for item in instalments)),
                "after": after,
            },
            "signatures": [
                {
                    "role": "Pour le créancier",
                    "name": _creditor_side(context),
                    "note": "Date et signature",
                },
                {
                    "role": "Le débiteur",
                    "name": debtor["name"],
                    "note": "Date, signature et mention « Bon pour accord »",
                },
            ],
        }
    )
    return letter


PLAN_LAPSE = "plan_lapse"


def plan_lapse_data(
    context: dict[str, Any], plan: Any, instalments: list[Any], *, left_cents: int
) -> dict[str, Any]:
    """The letter telling the debtor that the plan lapsed (déchéance du terme): which
    instalments were missed, and that what is left is due at once."""
    currency = context.get("currency", "EUR")

    def money(cents: int) -> str:
        return format_amount(cents, currency)

    lapsed_on = plan.lapsed_on or plan.updated_at.date()
    missed = [item for item in instalments if item.status != "paid" and item.due_on < lapsed_on]
    text = (
        f"Par un accord du {long_date(plan.agreed_on or plan.starts_on)}, vous vous étiez engagé "
        f"à régler {money(plan.total_cents)} selon un échéancier. "
        + (
            f"L'échéance du {_day(missed[0].due_on)} ({money(missed[0].amount_cents)}) n'a pas "
            "été réglée"
            if missed
            else "Une échéance n'a pas été réglée"
        )
        + ", malgré le délai laissé après sa date."
        "\n\n"
        f"En application de la clause de déchéance du terme de cet accord, l'échéancier a pris "
        f"fin le {long_date(lapsed_on)} : le solde restant dû de {money(left_cents)} est "
        "désormais exigible en une seule fois."
    )
    if plan.interest_waived:
        text += (
            "\n\nLa renonciation aux intérêts de retard, qui supposait le respect de "
            "l'échéancier, ne s'applique plus."
        )
    letter = letter_data(context, subject="Déchéance du terme de votre échéancier", text=text)
    letter.update(
        {
            "kind": PLAN_LAPSE,
            "title": "DÉCHÉANCE DU TERME",
            "reference": " — ".join(
                p for p in (letter["reference"], f"échéancier n° {plan.pk}") if p
            ),
            "schedule": {
                "before": ["Rappel de l'échéancier et des versements reçus :"],
                "items": [
                    {
                        **row,
                        "amount": f"{row['amount']} — payé {money(item.paid_cents)}",
                    }
                    for row, item in zip(
                        _schedule_items(instalments, money), instalments, strict=True
                    )
                ],
                "total": money(sum(item.amount_cents for item in instalments)),
                "after": [],
            },
            "deadline": (
                f"Merci de régler {money(left_cents)} au plus tard le {context['deadline_long']}."
            ),
        }
    )
    return letter


DISPUTE_REJECTION = "dispute_rejection"


def dispute_rejection_data(context: dict[str, Any], dispute: Any) -> dict[str, Any]:
    """The letter telling the debtor their dispute is rejected: what they contested, why it
    does not hold (the explanation recorded when the dispute was resolved), and what
    remains due (the statement of `context`, case_context of the dispute's case)."""
    contested = (
        f"la facture {dispute.claim.reference}" if dispute.claim_id else "les sommes réclamées"
    )
    amount = (
        f" à hauteur de {format_amount(dispute.disputed_cents)}" if dispute.disputed_cents else ""
    )
    text = "\n\n".join(
        part
        for part in (
            f"Par votre réclamation du {long_date(dispute.opened_on)}, vous avez contesté "
            f"{contested}{amount}, au motif suivant : « {' '.join(dispute.reason.split())} ».",
            "Après examen, nous ne pouvons pas donner suite à votre contestation, pour la "
            f"raison suivante : {' '.join(dispute.resolution.split())}",
            "Les sommes restent dues. Nous vous remercions de bien vouloir les régler, ou de "
            "nous contacter pour convenir de modalités de paiement.",
        )
        if part
    )
    letter = letter_data(context, subject="Réponse à votre contestation", text=text)
    letter.update({"kind": DISPUTE_REJECTION, "title": "RÉPONSE À VOTRE CONTESTATION"})
    return letter


REMITTANCE_STATEMENT = "remittance_statement"
COMMISSION_INVOICE = "commission_invoice"


def _party(party: dict[str, Any]) -> dict[str, Any]:
    return {"name": party["name"], "address": [line for line in party["address"] if line]}


def _book_letter(
    agency: dict[str, Any], mandant: dict[str, Any], issued_on: date, subject: str
) -> dict[str, Any]:
    """What the agency's documents to a mandant share: the parties, the date, the footer."""
    sender = _party(agency)
    contact = " · ".join(part for part in (agency.get("phone"), agency.get("email")) if part)
    return {
        "registered": False,
        "logo": agency.get("logo") or None,
        "sender": {**sender, "contact": contact},
        "recipient": _party(mandant),
        "postal_code": "",
        "mode": "Lettre simple",
        "place": _city(sender["address"]),
        "date": long_date(issued_on),
        "subject": subject,
        "rows": None,
        "totals": {},
        "deadline": "",
        "closing": [],
        "signature": agency["name"],
        "footer": _footer(sender, {"siren": agency.get("siren", "")}),
    }


def remittance_statement_data(
    *,
    agency: dict[str, Any],
    mandant: dict[str, Any],
    number: str,
    mandate: str,
    rate: str,
    period: tuple[date, date],
    issued_on: date,
    sums: list[dict[str, Any]],
    totals: dict[str, int],
    invoice: str = "",
) -> dict[str, Any]:
    """The remittance statement (relevé de reversement) a collection agency sends its mandant
    (CPCE R124-6): each sum collected (or reversed, or adjusted) with the commission taken
    on it, then what is remitted. `sums`: dicts of `on` (date), `debtor`, `case`, `claims`,
    `label`, `amount` and `commission` (cents); `totals`: collected, reversed, adjusted,
    commission (the rate part), fees, vat, remitted (cents)."""

    def money(cents: int) -> str:
        return format_amount(cents, "EUR")

    start, end = period
    letter = _book_letter(agency, mandant, issued_on, f"Relevé de reversement n° {number}")
    net = totals["commission"] + totals["fees"]
    lines = [
        ("Sommes encaissées", totals["collected"]),
        ("Encaissements annulés", -totals["reversed"]),
        ("Régularisations", totals["adjusted"]),
        (f"Commission ({rate})", -totals["commission"]),
        ("Forfaits par dossier confié", -totals["fees"]),
        ("TVA sur la commission", -totals["vat"]),
    ]
    letter.update(
        {
            "kind": REMITTANCE_STATEMENT,
            "title": "RELEVÉ DE REVERSEMENT",
            "reference": f"mandat {mandate} — période du {_day(start)} au {_day(end)}",
            "paragraphs": [
                f"Voici le détail des sommes encaissées pour votre compte du {_day(start)} au "
                f"{_day(end)}, de notre commission ({rate} des sommes encaissées) et du "
                f"reversement de {money(totals['remitted'])} que nous vous adressons par "
                "virement.",
            ],
            "table": {
                "headers": ["Date", "Débiteur", "Dossier", "Créances", "Montant", "Commission"],
                "widths": [2, 5, 2.2, 3.6, 2.6, 2.4],
                "align": ["left", "left", "left", "left", "right", "right"],
                "rows": [
                    [
                        _day(item["on"]),
                        _shortened(item["debtor"] or item.get("label", ""), 34),
                        item["case"],
                        _shortened(item["claims"], 26),
                        money(item["amount"]),
                        money(item["commission"]),
                    ]
                    for item in sums
                ],
                "totals": [[label, money(cents)] for label, cents in lines if cents]
                + [
                    ["Commission et TVA retenues", money(net + totals["vat"])],
                    ["Montant reversé", money(totals["remitted"])],
                ],
            },
            "mentions": [
                f"Sommes encaissées par {agency['name']} pour le compte de {mandant['name']} "
                "sur son compte exclusivement affecté aux fonds reçus pour ses mandants "
                "(CPCE R124-2), reversées dans le mois de leur encaissement sauf convention "
                "contraire (CPCE R124-6). La commission est calculée sur chaque somme "
                "encaissée et arrondie au centime le plus proche (demi-centime au-dessus) ; "
                "elle est retenue sur les fonds, TVA comprise"
                + (f", et facturée (facture n° {invoice})." if invoice else "."),
            ],
        }
    )
    return letter


def commission_invoice_data(
    *,
    agency: dict[str, Any],
    mandant: dict[str, Any],
    number: str,
    statement: str,
    mandate: str,
    rate: str,
    vat_rate: str,
    period: tuple[date, date],
    issued_on: date,
    base_cents: int,
    commission_cents: int,
    case_count: int,
    fee_cents: int,
    fees_cents: int,
    vat_cents: int,
) -> dict[str, Any]:
    """The invoice of the agency's fee to its mandant (CPCE R124-3): the commission on the
    sums collected in the period, the fixed fees per case handed over, the VAT; paid by
    retention on the sums remitted (statement `statement`)."""

    def money(cents: int) -> str:
        return format_amount(cents, "EUR")

    start, end = period
    net = commission_cents + fees_cents
    credit = net < 0
    title = "AVOIR" if credit else "FACTURE"
    letter = _book_letter(agency, mandant, issued_on, f"{title.capitalize()} n° {number}")
    rows = [
        [
            f"Commission de recouvrement ({rate} des sommes encaissées)",
            money(base_cents),
            rate,
            money(commission_cents),
        ]
    ]
    if case_count:
        rows.append(
            ["Forfait par dossier confié", str(case_count), money(fee_cents), money(fees_cents)]
        )
    letter.update(
        {
            "kind": COMMISSION_INVOICE,
            "title": title,
            "reference": f"mandat {mandate} — période du {_day(start)} au {_day(end)}",
            "paragraphs": [
                f"{title.capitalize()} n° {number} du {_day(issued_on)}, relative au recouvrement "
                f"amiable de vos créances du {_day(start)} au {_day(end)}.",
            ],
            "table": {
                "headers": ["Désignation", "Base", "Taux / prix", "Montant HT"],
                "widths": [8, 3, 2.5, 3],
                "align": ["left", "right", "right", "right"],
                "rows": rows,
                "totals": [
                    ["Total HT", money(net)],
                    [f"TVA ({vat_rate})", money(vat_cents)],
                    ["Total TTC", money(net + vat_cents)],
                ],
            },
            "closing": [
                f"Réglée par retenue sur les sommes encaissées pour votre compte (relevé de "
                f"reversement n° {statement}) : aucun paiement n'est attendu de vous.",
            ],
            "mentions": [
                f"Honoraires prévus par le mandat {mandate} (CPCE R124-3), à la charge du "
                "créancier. "
                + (f"{agency['name']}, SIREN {agency['siren']}." if agency.get("siren") else ""),
            ],
        }
    )
    return letter


def _shortened(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"
