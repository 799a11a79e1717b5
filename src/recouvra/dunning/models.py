"""Dunning (relance): scenarios of timed steps, the record of each step run on a case,
and the outbox of messages a delivery task sends.

A step runs at most once per case and dunning cycle: a unique constraint says so, not a
check in Python, so running the engine ten times a day is harmless (engine.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recouvra.core import audit
from recouvra.core.models import AuditAction, TenantModel
from recouvra.ledger.models import Creditor, Debtor, RiskLevel


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Courrier simple")
    REGISTERED = "registered", _("Lettre recommandée avec AR")
    CALL = "call", _("Appel téléphonique")
    VISIT = "visit", _("Visite terrain")
    ESCALATION = "escalation", _("Proposition de contentieux")


# channels that send a Message; the others create a task (cases.Task)
MESSAGE_CHANNELS = frozenset((Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.REGISTERED))
LETTER_CHANNELS = frozenset((Channel.LETTER, Channel.REGISTERED))


class After(models.TextChoices):
    DUE_DATE = "due_date", _("après l'échéance la plus ancienne")
    PREVIOUS = "previous", _("après l'étape précédente")


class DebtorKindCondition(models.TextChoices):
    ANY = "", _("Tous")
    COMPANY = "company", _("Entreprises (B2B)")
    PERSON = "person", _("Particuliers (B2C)")


class Template(TenantModel):
    """The text of a message. Variables and a few tags only ({{ debtor.name }},
    {% for claim in claims %}…): rendered by a template engine that loads nothing else."""

    name = models.CharField(_("nom"), max_length=100)
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    subject = models.CharField(_("objet"), max_length=200, blank=True)
    body = models.TextField(_("texte"))

    class Meta:
        verbose_name = _("modèle de message")
        verbose_name_plural = _("modèles de message")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dunning:template_edit", args=[self.pk])


class Scenario(TenantModel):
    """An ordered list of steps. The default scenario of the organisation applies to the
    creditors and debtors with no scenario assigned."""

    name = models.CharField(_("nom"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("scénario par défaut"), default=False)

    class Meta:
        verbose_name = _("scénario de relance")
        verbose_name_plural = _("scénarios de relance")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="one_default_scenario"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dunning:scenario", args=[self.pk])


class Step(TenantModel):
    """One timed action of a scenario, and the cases it applies to."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scénario"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("ordre"))
    name = models.CharField(_("nom"), max_length=100)
    delay_days = models.PositiveSmallIntegerField(_("délai (jours)"))
    after = models.CharField(_("à compter de"), max_length=10, choices=After.choices)
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    template = models.ForeignKey(
        Template,
        verbose_name=_("modèle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steps",
    )
    is_formal_notice = models.BooleanField(_("mise en demeure"), default=False)
    # conditions: a step that does not apply to a case is passed over for it
    debtor_kind = models.CharField(
        _("débiteurs"), max_length=10, choices=DebtorKindCondition.choices, blank=True
    )
    min_balance_cents = models.BigIntegerField(_("solde échu minimum (centimes)"), default=0)
    min_risk_level = models.CharField(
        _("risque au moins"),
        max_length=6,
        choices=RiskLevel.choices,
        blank=True,
        help_text=_("Vide : tous les débiteurs ; sinon ceux évalués à ce niveau ou au-dessus."),
    )
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("créancier seulement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["scenario", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def get_absolute_url(self) -> str:
        return self.scenario.get_absolute_url()

    @property
    def trigger(self) -> str:
        """ "J+15 après l'échéance", "10 jours après l'étape précédente"."""
        if self.after == After.DUE_DATE:
            return _("J+%(days)s après l'échéance") % {"days": self.delay_days}
        return _("%(days)s jours après l'étape précédente") % {"days": self.delay_days}


class Assignment(TenantModel):
    """Which scenario a creditor's cases follow; one for a debtor overrides its creditor's."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scénario"), on_delete=models.CASCADE, related_name="assignments"
    )
    creditor = models.ForeignKey(
        "ledger.Creditor", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    debtor = models.ForeignKey(
        "ledger.Debtor", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("affectation de scénario")
        verbose_name_plural = _("affectations de scénario")
        constraints = [
            models.CheckConstraint(
                condition=Q(creditor__isnull=True) ^ Q(debtor__isnull=True),
                name="assignment_creditor_xor_debtor",
            ),
            models.UniqueConstraint(
                fields=["creditor"],
                condition=Q(debtor__isnull=True),
                name="one_scenario_per_creditor",
            ),
            models.UniqueConstraint(
                fields=["debtor"],
                condition=Q(creditor__isnull=True),
                name="one_scenario_per_debtor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor or self.creditor} → {self.scenario}"

    @classmethod
    def current(cls, target: Creditor | Debtor) -> Assignment | None:
        """The scenario given to this creditor or debtor itself, if any."""
        return cls.objects.filter(**{_target_field(target): target}).first()

    @classmethod
    def give(cls, target: Creditor | Debtor, scenario: Scenario | None, actor: Any = None) -> None:
        """Give `target` its own scenario, or with None let it follow its creditor's or the
        organisation's default again; recorded in the audit log."""
        current = cls.current(target)
        if scenario is None:
            if current is not None:
                with transaction.atomic():
                    audit.record(current, AuditAction.DELETE, actor=actor)
                    current.delete()
            return
        with transaction.atomic():
            if current is None:
                current = cls.objects.create(
                    organization_id=target.organization_id,
                    scenario=scenario,
                    **{_target_field(target): target},
                )
                audit.record(current, AuditAction.CREATE, actor=actor)
            elif current.scenario_id != scenario.pk:
                before = audit.snapshot(current)
                current.scenario = scenario
                current.save(update_fields=["scenario", "updated_at"])
                audit.record(current, AuditAction.UPDATE, actor=actor, before=before)


def _target_field(target: Creditor | Debtor) -> str:
    return "debtor" if isinstance(target, Debtor) else "creditor"


class DunningRun(TenantModel):
    """One run of the engine for an organisation, and what it did."""

    run_on = models.DateField(_("jour"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("fini à"), null=True, blank=True)
    cases_due = models.PositiveIntegerField(_("dossiers échus"), default=0)
    steps_run = models.PositiveIntegerField(_("étapes déclenchées"), default=0)
    steps_passed = models.PositiveIntegerField(_("étapes sautées"), default=0)
    messages = models.PositiveIntegerField(_("messages"), default=0)
    tasks = models.PositiveIntegerField(_("tâches"), default=0)

    class Meta:
        verbose_name = _("passage de relance")
        verbose_name_plural = _("passages de relance")
        ordering = ["-created_at"]


class StepRun(TenantModel):
    """A step run on a case. The steps a catch-up passed over are not: they never ran."""

    run = models.ForeignKey(DunningRun, on_delete=models.PROTECT, related_name="step_runs")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="step_runs", db_index=False
    )
    # not indexed alone: a step's runs are only looked up when it is deleted (rarely)
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="runs", db_index=False)
    cycle = models.PositiveIntegerField(_("cycle"))
    ran_on = models.DateField(_("le"))
    passed_over = models.CharField(
        _("étapes passées"),
        max_length=300,
        blank=True,
        help_text=_("Étapes déjà dépassées quand celle-ci a été déclenchée (rattrapage)."),
    )
    overdue_cents = models.BigIntegerField(_("principal échu (centimes)"))

    class Meta:
        verbose_name = _("étape déclenchée")
        verbose_name_plural = _("étapes déclenchées")
        constraints = [
            # never the same step twice on a case in a cycle, whoever runs the engine
            models.UniqueConstraint(fields=["case", "cycle", "step"], name="one_step_run_per_case")
        ]


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    DELIVERED = "delivered", _("Remis")
    BOUNCED = "bounced", _("Rejeté")
    FAILED = "failed", _("Échec")
    UNCERTAIN = "uncertain", _("À vérifier")  # the sender stopped mid-send: not resent alone
    PRINTED = "printed", _("Imprimé")
    # the law engine cannot give the figures it states (a missing rate): tried again later
    HELD = "held", _("Retenu")
    # not sent: the claims of its case were paid before it went (dunning.payments)
    CANCELLED = "cancelled", pgettext_lazy("message status", "Annulé")


class PrintBatch(TenantModel):
    """The day's letters in one PDF, in mailing order, after a cover list."""

    document = models.FileField(_("PDF"), upload_to="print/%Y/%m/")
    letters = models.PositiveIntegerField(_("courriers"))
    registered = models.PositiveIntegerField(_("dont recommandés"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("lot d'impression")
        verbose_name_plural = _("lots d'impression")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_('Lot')} {self.created_at:%d/%m/%Y %H:%M} ({self.letters})"


class Message(TenantModel):
    """The outbox: written with its step run, sent by the delivery task (delivery.py).

    Its text is rendered just before sending, with the figures of that day, and kept:
    what the debtor received stays on record.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    step_run = models.OneToOneField(
        StepRun, on_delete=models.PROTECT, null=True, blank=True, related_name="message"
    )
    template = models.ForeignKey(
        Template,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # looked up only when a template is deleted
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    idempotency_key = models.CharField(max_length=80, editable=False)
    recipient = models.TextField(_("destinataire"), blank=True)
    reply_to = models.CharField(_("réponse à"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=200, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(_("texte HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    provider_ref = models.CharField(_("référence prestataire"), max_length=100, blank=True)
    not_before = models.DateTimeField(_("pas avant"))
    next_attempt_at = models.DateTimeField(_("prochain essai"))
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    # why a HELD message cannot be made yet, and where to fix it (kept once released); a
    # default in the database too: the run inserts messages in SQL (engine.py)
    hold_reason = models.TextField(_("motif de la retenue"), blank=True, default="", db_default="")
    sending_since = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    # the letter as sent (a letter, or the PDF attached to an e-mail)
    document = models.FileField(_("courrier PDF"), upload_to="letters/%Y/%m/", blank=True)
    # an e-mail as sent, headers and attachment included (RFC 5322)
    envelope = models.FileField(_("e-mail envoyé"), upload_to="emails/%Y/%m/", blank=True)
    print_batch = models.ForeignKey(
        PrintBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # indexed only where set (Meta): most messages are no letters
    )
    # registered letter with acknowledgement (LRAR)
    tracking_number = models.CharField(_("n° de suivi"), max_length=30, blank=True)
    first_presented_on = models.DateField(_("première présentation le"), null=True, blank=True)
    acknowledged_on = models.DateField(_("accusé de réception signé le"), null=True, blank=True)
    acknowledgement = models.FileField(
        _("accusé de réception (scan)"), upload_to="lrar/%Y/%m/", blank=True
    )

    creditor_lookup = "case__creditor"
    partner_lookup = "case__legal_partner"

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the delivery task's queue: what is waiting, soonest first
            models.Index(fields=["status", "next_attempt_at"], name="message_outbox_idx"),
            models.Index(fields=["case", "-created_at"], name="message_case_idx"),
            models.Index(
                fields=["print_batch"],
                condition=Q(print_batch__isnull=False),
                name="message_print_batch_idx",
            ),
        ]
        constraints = [
            # a constraint, not unique=True: PostgreSQL would add a second (LIKE) index
            models.UniqueConstraint(fields=["idempotency_key"], name="message_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} — {self.subject or self.case_id}"
