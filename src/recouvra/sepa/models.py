"""SEPA direct debit of payment plans: the debtors' mandates, the pain.008 files sent to the
bank (one Collection per collection date) and each instalment's debit (DirectDebit), from
its scheduling to its collection or its return by the debtor's bank (R-transaction)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recouvra.core.fields import AmountField
from recouvra.core.models import TenantModel
from recouvra.core.validators import validate_bic, validate_iban
from recouvra.law.deadlines import add_months

# a mandate not used for 36 months lapses (SEPA Core rulebook, "caducité du mandat")
MANDATE_EXPIRY_MONTHS = 36


class Sequence(models.TextChoices):
    FIRST = "FRST", _("Premier prélèvement (FRST)")
    RECURRING = "RCUR", _("Prélèvement récurrent (RCUR)")


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Actif")
    REVOKED = "revoked", _("Révoqué")


class Mandate(TenantModel):
    """A debtor's SEPA Core mandate (mandat de prélèvement) given to the organisation, the
    creditor of the debits (its ICS), for the plans of one creditor."""

    debtor = models.ForeignKey(
        "ledger.Debtor", verbose_name=_("débiteur"), on_delete=models.PROTECT, related_name="+"
    )
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("créancier"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.CharField(_("référence unique du mandat (RUM)"), max_length=35)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    account_holder = models.CharField(_("titulaire du compte"), max_length=70)
    signed_on = models.DateField(_("signé le"))
    next_sequence = models.CharField(
        _("prochain prélèvement"), max_length=4, choices=Sequence.choices, default=Sequence.FIRST
    )
    status = models.CharField(
        _("état"), max_length=8, choices=MandateStatus.choices, default=MandateStatus.ACTIVE
    )
    revoked_on = models.DateField(_("révoqué le"), null=True, blank=True)
    last_used_on = models.DateField(_("dernier prélèvement le"), null=True, blank=True)
    # the pre-notification's notice: 14 calendar days unless the debtor agreed to less
    # (SEPA Core rulebook; the mandate is where that agreement is written)
    prenotice_days = models.PositiveSmallIntegerField(
        _("préavis de pré-notification (jours)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("14 jours, sauf délai plus court convenu avec le débiteur."),
    )

    creditor_lookup = "creditor"
    partner_lookup = "debtor__cases__legal_partner"

    class Meta:
        verbose_name = _("mandat SEPA")
        verbose_name_plural = _("mandats SEPA")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="sepa_mandate_reference_unique_per_org"
            ),
        ]
        indexes = [
            # the active mandate of a debtor for a creditor, when debits are scheduled
            models.Index(fields=["organization", "debtor", "status"], name="mandate_debtor_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("sepa:mandate", args=[self.pk])

    def expires_on(self) -> date:
        """The day the mandate lapses if it is not used before (36 months after its last
        debit, or its signature when never used)."""
        return add_months(self.last_used_on or self.signed_on, MANDATE_EXPIRY_MONTHS)

    def is_expired(self, on: date | None = None) -> bool:
        return (on or timezone.localdate()) >= self.expires_on()

    def is_usable(self, on: date | None = None) -> bool:
        return self.status == MandateStatus.ACTIVE and not self.is_expired(on)

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} •••• {self.iban[-4:]}" if self.iban else ""


class CollectionStatus(models.TextChoices):
    BUILT = "built", _("Fichier généré")
    SENT = "sent", _("Encaissé")


class Collection(TenantModel):
    """One pain.008.001.02 file: the debits of one collection date."""

    collection_on = models.DateField(_("date d'échéance"))
    file = models.FileField(_("fichier pain.008"), upload_to="sepa/%Y/%m/")
    message_id = models.CharField(_("identifiant du message"), max_length=35, blank=True)
    count = models.PositiveIntegerField(_("prélèvements"), default=0)
    total_cents = AmountField(_("montant total"), default=0)
    status = models.CharField(
        _("état"), max_length=8, choices=CollectionStatus.choices, default=CollectionStatus.BUILT
    )
    settled_on = models.DateField(_("encaissé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("remise de prélèvements")
        verbose_name_plural = _("remises de prélèvements")
        ordering = ["-collection_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "collection_on"], name="one_collection_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Remise du')} {self.collection_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("sepa:collection", args=[self.pk])


class DebitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Programmé")
    PRENOTIFIED = "prenotified", _("Pré-notifié")
    IN_FILE = "in_file", _("Dans un fichier")
    COLLECTED = "collected", _("Encaissé")
    RETURNED = "returned", _("Rejeté")


class DirectDebit(TenantModel):
    """The debit of one plan instalment on its debtor's mandate."""

    instalment = models.ForeignKey(
        "cases.PlanInstalment",
        verbose_name=_("échéance"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandat"), on_delete=models.PROTECT, related_name="debits"
    )
    amount_cents = AmountField(_("montant"))
    collection_on = models.DateField(_("date de prélèvement"))
    sequence = models.CharField(_("séquence"), max_length=4, choices=Sequence.choices, blank=True)
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35)
    status = models.CharField(
        _("état"), max_length=12, choices=DebitStatus.choices, default=DebitStatus.SCHEDULED
    )
    prenotified_on = models.DateField(_("pré-notifié le"), null=True, blank=True)
    collection = models.ForeignKey(
        Collection,
        verbose_name=_("remise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debits",
    )
    payment = models.ForeignKey(
        "ledger.Payment",
        verbose_name=_("paiement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_code = models.CharField(_("code de rejet"), max_length=8, blank=True)
    return_reason = models.CharField(_("motif du rejet"), max_length=200, blank=True)
    returned_on = models.DateField(_("rejeté le"), null=True, blank=True)

    creditor_lookup = "mandate__creditor"
    partner_lookup = "instalment__plan__case__legal_partner"

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["collection_on", "id"]
        constraints = [
            # an instalment is debited once, unless the debit came back (then again by hand)
            models.UniqueConstraint(
                fields=["instalment"],
                condition=~Q(status="returned"),
                name="one_live_debit_per_instalment",
            ),
            models.UniqueConstraint(
                fields=["organization", "end_to_end_id"], name="debit_end_to_end_unique"
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="debit_amount_positive"),
        ]
        indexes = [
            # the collections page and the daily steps: debits by state and date
            models.Index(
                fields=["organization", "status", "collection_on"], name="debit_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id

    @property
    def case(self) -> Any:
        """The case of the plan the debited instalment belongs to."""
        return self.instalment.plan.case
