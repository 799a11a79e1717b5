"""The case file (dossier): one debtor × one creditor, and its timeline of interactions."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.fields import AmountField
from recouvra.core.models import TenantModel, TenantQuerySet
from recouvra.core.uploads import validate_attachment


class CaseStatus(models.TextChoices):
    AMICABLE = "amicable", _("Relance amiable")
    FORMAL_NOTICE = "formal_notice", _("Mise en demeure")
    NEGOTIATION = "negotiation", _("Négociation")
    PAYMENT_PLAN = "payment_plan", _("Échéancier en cours")
    DISPUTED = "disputed", _("Litige")
    LEGAL = "legal", _("Contentieux")
    ENFORCEMENT = "enforcement", _("Exécution forcée")
    CLOSED = "closed", _("Clos")


class CaseQuerySet(TenantQuerySet):
    def active(self) -> Self:
        return self.exclude(status=CaseStatus.CLOSED)

    def with_balance(self) -> Self:
        from recouvra.ledger.models import Claim

        claims = Claim.objects.filter(case=OuterRef("pk")).open().with_balance()
        total = claims.values("case").annotate(s=Sum("balance")).values("s")
        return self.annotate(
            balance=Coalesce(Subquery(total), Value(0), output_field=models.BigIntegerField())
        )


CASE_REFERENCE_PREFIX = "D-"


def case_reference(pk: int) -> str:
    """A case's reference, D-000123, from its id (cases.services.number_new_cases does the
    same in SQL for cases inserted in bulk)."""
    return f"{CASE_REFERENCE_PREFIX}{pk:06d}"


class Case(TenantModel):
    """All open claims of one debtor for one creditor, handled together."""

    reference = models.CharField(_("référence"), max_length=20, editable=False)
    debtor = models.ForeignKey(
        "ledger.Debtor", verbose_name=_("débiteur"), on_delete=models.PROTECT, related_name="cases"
    )
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("créancier"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    status = models.CharField(
        _("étape"), max_length=15, choices=CaseStatus.choices, default=CaseStatus.AMICABLE
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    legal_partner = models.ForeignKey(
        "core.Membership",
        verbose_name=_("partenaire juridique"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_cases",
        help_text=_("Avocat ou commissaire de justice à qui le dossier est confié."),
    )
    opened_on = models.DateField(_("ouvert le"), default=timezone.localdate)
    # dates the law engine needs for the statement (recouvra.law.statement)
    formal_notice_on = models.DateField(
        _("mise en demeure reçue le"),
        null=True,
        blank=True,
        help_text=_("Fait courir l'intérêt légal pour un débiteur consommateur (C. civ. 1231-6)."),
    )
    judgment_enforceable_on = models.DateField(
        _("jugement exécutoire le"),
        null=True,
        blank=True,
        help_text=_("Taux légal majoré de 5 points deux mois plus tard (CMF L313-3)."),
    )
    insolvency_opened_on = models.DateField(
        _("procédure collective ouverte le"),
        null=True,
        blank=True,
        help_text=_("Arrête le cours des intérêts (C. com. L622-28)."),
    )
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    # the work queue's order: computed by cases.queue (daily and after each event), with the
    # reasons shown to the agent (amount, age, risk, promise due today, broken promise…)
    priority = models.IntegerField(_("priorité"), default=0, db_default=0, editable=False)
    priority_reasons = models.JSONField(
        _("raisons"), default=list, db_default=[], blank=True, editable=False
    )
    next_action_on = models.DateField(_("prochaine action le"), null=True, blank=True)
    next_action = models.CharField(_("prochaine action"), max_length=200, blank=True, db_default="")
    # dunning starts a new cycle (its steps again) once everything overdue has been paid
    dunning_cycle = models.PositiveIntegerField(
        _("cycle de relance"), default=1, db_default=1, editable=False
    )

    creditor_lookup = "creditor"
    partner_lookup = "legal_partner"

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-opened_on", "-id"]
        constraints = [
            # creating claims for a debtor joins its open case rather than opening another
            models.UniqueConstraint(
                fields=["organization", "debtor", "creditor"],
                condition=~Q(status="closed"),
                name="one_open_case_per_debtor_and_creditor",
            ),
            models.UniqueConstraint(
                fields=["organization", "reference"],
                condition=~Q(reference=""),
                name="case_reference_unique_per_org",
            ),
        ]
        indexes = [
            # an agent's queue: their open cases, the most urgent first (cases.queue), read
            # in index order without sorting the agent's whole queue
            models.Index(
                fields=["organization", "assigned_to", "-priority", "id"],
                condition=~Q(status="closed"),
                name="case_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.debtor}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if not self.reference:
            self.reference = case_reference(self.pk)
            type(self).objects.filter(pk=self.pk).update(reference=self.reference)

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class InteractionKind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Appel")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Courrier")
    VISIT = "visit", _("Visite terrain")
    PAYMENT = "payment", _("Paiement")
    PROMISE = "promise", _("Promesse de paiement")
    PLAN = "plan", _("Échéancier")
    DISPUTE = "dispute", _("Litige")
    STATUS = "status", _("Changement d'étape")
    CLAIM = "claim", _("Créance")
    SYSTEM = "system", _("Système")


class Direction(models.TextChoices):
    OUTBOUND = "out", _("Sortant")
    INBOUND = "in", _("Entrant")
    INTERNAL = "internal", _("Interne")


class Interaction(TenantModel):
    """One entry of the case timeline. Append-only: a correction is a new entry."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="interactions",
        db_index=False,  # interaction_timeline_idx starts with it
    )
    kind = models.CharField(_("type"), max_length=10, choices=InteractionKind.choices)
    channel = models.CharField(_("canal"), max_length=20, blank=True)
    direction = models.CharField(
        _("sens"), max_length=10, choices=Direction.choices, default=Direction.INTERNAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    text = models.TextField(_("texte"), blank=True)
    attachment = models.FileField(
        _("pièce jointe"),
        upload_to="interactions/%Y/%m/",
        blank=True,
        validators=[validate_attachment],
    )

    creditor_lookup = "case__creditor"
    partner_lookup = "case__legal_partner"

    class Meta:
        verbose_name = _("échange")
        verbose_name_plural = _("échanges")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # the case timeline, newest first
            models.Index(fields=["case", "-occurred_at"], name="interaction_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.occurred_at:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("interactions are append-only; add a new one to correct")
        super().save(*args, **kwargs)


class CaseRecord(TenantModel):
    """Something recorded on a case (a dispute, a promise, a plan, a task): the case's
    creditor and legal partner see it as they see the case."""

    case = models.ForeignKey(
        Case, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="%(class)ss"
    )

    creditor_lookup = "case__creditor"
    partner_lookup = "case__legal_partner"

    class Meta:
        abstract = True


class DisputeOutcome(models.TextChoices):
    CREDIT_NOTE = "credit_note", _("Avoir")
    WRITE_OFF = "write_off", _("Abandon partiel")
    REJECTED = "rejected", _("Contestation rejetée")
    WITHDRAWN = "withdrawn", _("Contestation retirée")


class Dispute(CaseRecord):
    """A contested case or claim (litige). While open, dunning pauses for the case."""

    claim = models.ForeignKey(
        "ledger.Claim",
        verbose_name=_("créance contestée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        help_text=_("Vide : le dossier entier est contesté."),
    )
    reason = models.TextField(_("motif"))
    disputed_cents = AmountField(_("montant contesté"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_disputes",
    )
    due_on = models.DateField(_("à traiter avant le"), null=True, blank=True)
    opened_on = models.DateField(_("ouvert le"), default=timezone.localdate)
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    outcome = models.CharField(
        _("issue"), max_length=12, choices=DisputeOutcome.choices, blank=True
    )
    resolved_cents = AmountField(_("montant avoir ou abandon"), null=True, blank=True)
    resolution = models.TextField(_("explication"), blank=True)

    class Meta:
        verbose_name = _("litige")
        verbose_name_plural = _("litiges")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["case", "closed_on"], name="dispute_open_idx")]

    def __str__(self) -> str:
        return f"{_('Litige')} {self.case.reference} — {self.opened_on:%d/%m/%Y}"


class DisputeDocument(TenantModel):
    """A document supporting or answering a dispute (delivery note, photo, credit note…)."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("litige"), on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(
        _("document"), upload_to="disputes/%Y/%m/", validators=[validate_attachment]
    )
    title = models.CharField(_("titre"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    creditor_lookup = "dispute__case__creditor"
    partner_lookup = "dispute__case__legal_partner"

    class Meta:
        verbose_name = _("pièce du litige")
        verbose_name_plural = _("pièces du litige")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title or self.file.name


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    KEPT = "kept", _("Tenue")
    BROKEN = "broken", _("Non tenue")


class Promise(CaseRecord):
    """A debtor's dated commitment to pay (promesse de paiement). Until its date passes,
    dunning pauses for the case."""

    amount_cents = models.BigIntegerField(_("montant promis (centimes)"))
    promised_on = models.DateField(_("date promise"))
    status = models.CharField(
        _("état"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    # what the payments since the promise was made brought, when it was decided
    paid_cents = AmountField(_("reçu"), default=0)
    decided_on = models.DateField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("promesse de paiement")
        verbose_name_plural = _("promesses de paiement")
        ordering = ["-promised_on", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="promise_case_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="promise_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{_('Promesse')} {self.case.reference} — {self.promised_on:%d/%m/%Y}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("En cours")
    COMPLETED = "completed", _("Soldé")
    BROKEN = "broken", _("Déchu (déchéance du terme)")
    CANCELLED = "cancelled", _("Annulé")


class PlanFrequency(models.TextChoices):  # the values of recouvra.law.instalments.Frequency
    WEEKLY = "weekly", _("Hebdomadaire")
    MONTHLY = "monthly", _("Mensuelle")
    QUARTERLY = "quarterly", _("Trimestrielle")


class PaymentPlan(CaseRecord):
    """An agreed schedule (échéancier) of instalments (PlanInstalment) from the balance due on
    the day it was agreed. While active, dunning pauses for the case; an instalment left
    unpaid past the organisation's grace period makes the whole plan lapse (déchéance du
    terme): the rest is due at once."""

    starts_on = models.DateField(_("première échéance"))
    status = models.CharField(
        _("état"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    notes = models.TextField(_("conditions"), blank=True)
    agreed_on = models.DateField(_("conclu le"), null=True, blank=True)
    total_cents = AmountField(_("montant échelonné"), default=0)
    frequency = models.CharField(
        _("périodicité"),
        max_length=10,
        choices=PlanFrequency.choices,
        default=PlanFrequency.MONTHLY,
    )
    down_payment_cents = AmountField(_("acompte"), default=0)
    reduced_count = models.PositiveSmallIntegerField(_("échéances réduites"), default=0)
    reduced_amount_cents = AmountField(_("montant réduit"), default=0)
    interest_waived = models.BooleanField(
        _("intérêts abandonnés"),
        default=False,
        help_text=_("Le créancier renonce aux intérêts de retard si l'échéancier est respecté."),
    )
    direct_debit = models.BooleanField(_("par prélèvement SEPA"), default=False)
    lapsed_on = models.DateField(_("déchu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("échéancier")
        verbose_name_plural = _("échéanciers")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="plan_case_status_idx")]

    def __str__(self) -> str:
        return f"{_('Échéancier')} {self.case.reference} — {self.starts_on:%d/%m/%Y}"


class InstalmentStatus(models.TextChoices):
    DUE = "due", _("À venir")
    PAID = "paid", _("Payée")
    PARTIAL = "partial", _("Payée en partie")
    UNPAID = "unpaid", _("Impayée")
    RETURNED = "returned", _("Prélèvement rejeté")


class PlanInstalment(TenantModel):
    """One instalment of a plan, followed against the payments (cases.plans)."""

    plan = models.ForeignKey(
        PaymentPlan,
        verbose_name=_("échéancier"),
        on_delete=models.CASCADE,
        related_name="instalments",
    )
    number = models.PositiveSmallIntegerField(_("n°"))  # 0: the down payment
    due_on = models.DateField(_("échéance"))
    amount_cents = AmountField(_("montant"))
    paid_cents = AmountField(_("payé"), default=0)
    status = models.CharField(
        _("état"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE
    )
    settled_on = models.DateField(_("réglée le"), null=True, blank=True)
    reduced = models.BooleanField(_("réduite"), default=False)

    creditor_lookup = "plan__case__creditor"
    partner_lookup = "plan__case__legal_partner"

    class Meta:
        verbose_name = _("échéance")
        verbose_name_plural = _("échéances")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_instalment_number"),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="instalment_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="instalment_due_idx")]

    def __str__(self) -> str:
        return f"{self.number} — {self.due_on:%d/%m/%Y}"

    @property
    def left_cents(self) -> int:
        return max(self.amount_cents - self.paid_cents, 0)


class AssignmentRule(TenantModel):
    """Who gets a new case: the first active rule (by position) whose conditions all hold
    (creditor, amount band, postcode prefix) names the agent."""

    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("créancier"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    min_cents = AmountField(_("montant minimum"), null=True, blank=True)
    max_cents = AmountField(_("montant maximum"), null=True, blank=True)
    postcode_prefix = models.CharField(_("code postal commençant par"), max_length=5, blank=True)
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attribuer à"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("règle d'attribution")
        verbose_name_plural = _("règles d'attribution")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. → {self.assign_to}"


class TaskKind(models.TextChoices):
    CALL = "call", _("Appel à passer")
    VISIT = "visit", _("Visite terrain")
    ESCALATION = "escalation", _("Passage au contentieux à décider")


class Task(CaseRecord):
    """Work for a person: a call for the agent, a visit for the field collector, a decision
    to escalate. Dunning steps create them; done when someone says so."""

    kind = models.CharField(_("type"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("objet"), max_length=200)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pour"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    due_on = models.DateField(_("à faire le"))
    not_before = models.DateTimeField(
        _("pas avant"), null=True, blank=True, help_text=_("Heures d'appel et de visite.")
    )
    done_at = models.DateTimeField(_("fait le"), null=True, blank=True)

    EVENT_KINDS = {TaskKind.CALL: "call", TaskKind.VISIT: "visit"}  # InteractionKind values

    def complete(self, actor: Any = None, note: str = "") -> bool:
        """Mark the task done, once, and say so on the case timeline with the note."""
        from .services import add_event

        now = timezone.now()
        done = Task.objects.filter(pk=self.pk, done_at__isnull=True).update(
            done_at=now, updated_at=now
        )
        if done:
            self.done_at = now
            text = f"{self.get_kind_display()} — {self.title} : fait"
            kind = self.EVENT_KINDS.get(self.kind, InteractionKind.NOTE)
            add_event(self.case, kind, f"{text}. {note}" if note else text, author=actor)
        return bool(done)

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        ordering = ["due_on", "id"]
        indexes = [
            # a person's queue: what is left to do, soonest first
            models.Index(
                fields=["organization", "assigned_to", "done_at", "due_on"],
                name="task_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.case.reference}"
