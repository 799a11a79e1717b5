"""The demo's case stories: what happened to each case, stage by stage, on its timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from recouvra.cases.models import Case, CaseStatus, Direction, Interaction, InteractionKind
from recouvra.cases.services import CASE_OPENED, claim_added_text, stage_changed_text
from recouvra.core.models import Role, User
from recouvra.core.search import normalize
from recouvra.law.money import format_amount
from recouvra.ledger.models import (
    Allocation,
    Claim,
    ClaimStatus,
    Debtor,
    DebtorKind,
    Payment,
    PaymentMethod,
)

from . import fake
from .ledger import BATIMAT, ENERGIE, KALIPSO
from .organisations import AGENCY_NAME, COMPANY_NAME, ENERGY, SOFTWARE, TELECOM
from .plans import (
    CALL_OUTCOMES,
    COMPANY_CALL_OUTCOMES,
    METHOD_WORDS,
    STAGE_PATH,
    STAGE_WEIGHTS,
    CasePlan,
    Event,
    Segment,
)

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


class StoriesPart:
    """The DemoBuilder's cases, payments and timelines."""

    def _cases(self, debtors: list[tuple[Debtor, Segment]]) -> list[CasePlan]:
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
                chosen[index] = fake.weighted(rng, STAGE_WEIGHTS)

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
            plans.append(CasePlan(case, segment, debtor, stage, weight))
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

    def _assign(self, plans: list[CasePlan]) -> None:
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

    def _author(self, plan: CasePlan, who: str | None) -> User | None:
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

    def _method(self, plan: CasePlan) -> str:
        method = fake.weighted(self.rng, plan.segment.methods)
        if method == PaymentMethod.DIRECT_DEBIT and not plan.debtor.iban:
            return PaymentMethod.TRANSFER
        return method

    def _reference(self, plan: CasePlan, method: str, refs: list[str], day: date) -> str:
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
        plan: CasePlan,
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
        plan: CasePlan,
        day: date,
        kind: str,
        text: str,
        *,
        direction: str = Direction.INTERNAL,
        channel: str = "",
        author: User | None = None,
    ) -> None:
        day = min(day, self.today)
        self._pending.append(Event(day, len(self._pending), kind, text, direction, channel, author))

    def _open_claims(self, plan: CasePlan, on: date) -> list[Claim]:
        """Unpaid, undisputed claims due before `on`, oldest first (art. 1342-10 C. civ.)."""
        claims = [
            c
            for c in plan.claims
            if c.status == ClaimStatus.OPEN and c.due_date < on and self.remaining[id(c)] > 0
        ]
        return sorted(claims, key=lambda c: (c.due_date, c.reference))

    def _spread(self, plan: CasePlan, on: date, amount: int) -> list[tuple[Claim, int]]:
        parts = []
        for claim in self._open_claims(plan, on):
            if amount <= 0:
                break
            cents = min(amount, self.remaining[id(claim)])
            parts.append((claim, cents))
            amount -= cents
        return parts

    def _partial(self, plan: CasePlan, on: date, low: int, high: int) -> list[tuple[Claim, int]]:
        """Part of the oldest open claim, never all of it."""
        claims = self._open_claims(plan, on)
        if not claims:
            return []
        claim = claims[0]
        cents = fake.percent_of(self.remaining[id(claim)], self.rng.randint(low, high))
        cents = min(cents, self.remaining[id(claim)] - 100)
        return [(claim, cents)] if cents >= 100 else []

    def _plan_activity(self, plan: CasePlan) -> None:
        rng = self.rng
        self._pending = []
        claims = plan.claims
        opened = min(c.issue_date for c in claims)
        plan.case.opened_on = opened
        plan.case.created_at = self._at(opened, 8)
        plan.case.closed_on = plan.closed_on
        self._event(plan, opened, InteractionKind.SYSTEM, CASE_OPENED)
        for claim in claims:
            text = claim_added_text(
                claim.reference, claim.principal_cents, claim.currency, claim.due_date
            )
            self._event(plan, claim.issue_date, InteractionKind.CLAIM, text)

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

    def _closing(self, plan: CasePlan) -> None:
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
            stage_changed_text(CaseStatus.AMICABLE, CaseStatus.CLOSED),
            author=self._author(plan, "agent"),
        )
        self._event(
            plan,
            plan.closed_on,
            InteractionKind.NOTE,
            "Dossier clos : toutes les créances sont soldées.",
            author=self._author(plan, "agent"),
        )

    def _collection(self, plan: CasePlan) -> None:  # noqa: C901 - one narrative per stage
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
                stage_changed_text(old, new),
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

    def _dispute(self, plan: CasePlan, status: Any) -> None:
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

    def _visit(self, plan: CasePlan, day: date) -> None:
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

    def _installments(self, plan: CasePlan, start: date, previous: str) -> None:
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
            stage_changed_text(previous, CaseStatus.PAYMENT_PLAN),
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

    def _flush(self, plan: CasePlan) -> None:
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
