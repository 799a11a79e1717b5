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
    opened_on = models.DateField(_("ouvert le"), default=timezone.localdate)
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    resolution = models.TextField(_("issue"), blank=True)

    class Meta:
        verbose_name = _("litige")
        verbose_name_plural = _("litiges")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["case", "closed_on"], name="dispute_open_idx")]

    def __str__(self) -> str:
        return f"{_('Litige')} {self.case.reference} — {self.opened_on:%d/%m/%Y}"


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
    BROKEN = "broken", _("Rompu")


class PaymentPlan(CaseRecord):
    """An agreed schedule (échéancier). While active, dunning pauses for the case."""

    starts_on = models.DateField(_("première échéance"))
    status = models.CharField(
        _("état"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    notes = models.TextField(_("conditions"), blank=True)

    class Meta:
        verbose_name = _("échéancier")
        verbose_name_plural = _("échéanciers")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="plan_case_status_idx")]

    def __str__(self) -> str:
        return f"{_('Échéancier')} {self.case.reference} — {self.starts_on:%d/%m/%Y}"


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
