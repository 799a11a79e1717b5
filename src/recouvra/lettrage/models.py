"""Lettrage: proposed matches between bank lines and claims, applied or waiting for an agent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recouvra.core.models import TenantModel


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("À valider")
    APPLIED = "applied", _("Appliqué")
    REJECTED = "rejected", _("Rejeté")
    REVERSED = "reversed", _("Annulé")


class MatchProposal(TenantModel):
    """A proposed match between a credit bank line and one or more claims, with its reasons.

    Above the threshold it is applied at once (Payment + Allocations); below, it waits in
    the reconciliation queue. Undoing an applied match reverses its payment (never deletes).
    """

    bank_line = models.ForeignKey(
        "imports.BankLine", on_delete=models.PROTECT, related_name="proposals"
    )
    debtor = models.ForeignKey(
        "ledger.Debtor", verbose_name=_("débiteur"), on_delete=models.PROTECT, null=True
    )
    claims = models.ManyToManyField(
        "ledger.Claim",
        verbose_name=_("créances"),
        blank=True,
        db_table="imports_matchproposal_claims",  # the table it had in imports
    )
    score = models.PositiveSmallIntegerField(_("score"))  # 0–100
    reasons = models.JSONField(_("raisons"), default=list)
    # the next best candidates, best first: [{"debtor_id", "claim_ids", "score", "reasons"}]
    alternatives = models.JSONField(_("autres possibilités"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    payment = models.OneToOneField(
        "ledger.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    creditor_lookup = "claims__creditor"

    class Meta:
        db_table = "imports_matchproposal"  # born in imports: the table kept its name
        verbose_name = _("proposition de lettrage")
        verbose_name_plural = _("propositions de lettrage")
        ordering = ["-score", "-id"]
        indexes = [
            # the reconciliation queue
            models.Index(fields=["organization", "status", "-score"], name="proposal_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_line} → {self.score}"


class FactKind(models.TextChoices):
    IBAN = "iban", _("IBAN du payeur")
    NAME = "name", _("Nom du payeur")
    MANDATE = "mandate", _("Mandat de prélèvement")
    REFERENCE_HABIT = "reference_habit", _("Façon d'écrire les références")
    NOT_OURS = "not_ours", _("Ne règle rien chez nous")


class PayerFact(TenantModel):
    """What the engine learned from a decision, in plain words an agent can read and remove.

    A fact ties a payer's identifier (IBAN, name as the bank writes it, mandate, a way of
    writing our references) to a debtor; a NOT_OURS fact says that credits from this payer
    paid nothing of ours (debtor then optional). Removing a fact keeps the row, marked
    removed, so that the same answer does not teach it again.
    """

    debtor = models.ForeignKey(
        "ledger.Debtor",
        verbose_name=_("débiteur"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="payer_facts",
    )
    kind = models.CharField(_("type"), max_length=20, choices=FactKind.choices)
    value = models.CharField(_("valeur"), max_length=200)
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    learned_from = models.ForeignKey(
        MatchProposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    learned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("fait appris")
        verbose_name_plural = _("faits appris")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "debtor", "kind", "value"], name="payer_fact_once"
            ),
        ]
        indexes = [models.Index(fields=["organization", "kind", "value"], name="payer_fact_lookup")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.value}"
