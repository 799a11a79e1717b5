"""The agency's books (CPCE R124-3 to R124-6): the mandate given by each mandant, the trust
account ledger per mandant, the monthly remittances with their statement and commission
invoice, and the transfer files (pain.001) that pay them.

The trust ledger is append-only and its amounts are signed by kind (a collection adds to
what is held for the mandant, a commission, its VAT, a remittance or a reversal take from
it): what is held is the sum of the entries, never a stored running total.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from recouvra.core.fields import AmountField
from recouvra.core.models import Organization, TenantModel
from recouvra.core.validators import compact, validate_bic, validate_iban
from recouvra.law.deadlines import add_months

BASIS_POINTS = 10_000  # 1200 basis points = 12 %
ONE_MONTH_DAYS = 31  # a delay longer than any month must be agreed expressly (R124-6)


def percent(basis_points: int) -> str:
    """1250 → "12,5 %"."""
    whole, rest = divmod(basis_points, 100)
    text = f"{whole},{rest:02d}".rstrip("0").rstrip(",")
    return f"{text} %"


class Mandate(TenantModel):
    """The written agreement by which a creditor (mandant) gives the agency the power to
    collect and receive payment on its behalf (CPCE R124-3): the fee, how and when the
    sums collected are remitted."""

    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("mandant"),
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    reference = models.CharField(_("référence"), max_length=40)
    signed_on = models.DateField(_("signé le"))
    starts_on = models.DateField(_("prend effet le"))
    ends_on = models.DateField(_("prend fin le"), null=True, blank=True)
    commission_rate = models.PositiveIntegerField(
        _("commission (points de base)"),
        validators=[MaxValueValidator(BASIS_POINTS)],
        help_text=_("Sur les sommes encaissées, en points de base : 1200 = 12 %."),
    )
    fee_per_case_cents = AmountField(
        _("forfait par dossier confié (centimes)"), null=True, blank=True
    )
    vat_rate = models.PositiveIntegerField(
        _("TVA sur la commission (points de base)"),
        default=2000,
        validators=[MaxValueValidator(BASIS_POINTS)],
        help_text=_("2000 = 20 %."),
    )
    scope = models.TextField(
        _("étendue du mandat"),
        blank=True,
        help_text=_("Recouvrement amiable seulement, types de créances confiées…"),
    )
    remittance_days = models.PositiveSmallIntegerField(
        _("délai de reversement (jours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Vide : un mois après l'encaissement (CPCE R124-6)."),
    )
    longer_delay_agreed = models.BooleanField(
        _("délai plus long convenu expressément"),
        default=False,
        help_text=_("Un délai de plus d'un mois doit être prévu par la convention (R124-6)."),
    )
    remittance_iban = models.CharField(
        _("IBAN de reversement"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("Vide : l'IBAN du créancier."),
    )
    remittance_bic = models.CharField(
        _("BIC de reversement"), max_length=11, blank=True, validators=[validate_bic]
    )

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        ordering = ["creditor__name", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="mandate_reference_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__lte=BASIS_POINTS), name="mandate_rate_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="mandate_ends_after_start",
            ),
        ]
        indexes = [
            # the mandate of a creditor at a date (collections, the run)
            models.Index(fields=["creditor", "starts_on"], name="mandate_creditor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.creditor}"

    def get_absolute_url(self) -> str:
        return reverse("agency:mandate_edit", args=[self.pk])

    @property
    def commission_percent(self) -> str:
        return percent(self.commission_rate)

    @property
    def vat_percent(self) -> str:
        return percent(self.vat_rate)

    @property
    def iban(self) -> str:
        return self.remittance_iban or self.creditor.iban

    @property
    def bic(self) -> str:
        return self.remittance_bic or self.creditor.bic

    def remit_by(self, collected_on: date) -> date:
        """The day a sum collected on `collected_on` must be remitted by: one month after
        collection unless the mandate says otherwise (CPCE R124-6)."""
        if self.remittance_days:
            return collected_on + timedelta(days=self.remittance_days)
        return add_months(collected_on, 1)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.remittance_iban = compact("iban", self.remittance_iban)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("La fin du mandat doit suivre son début.")
        if self.signed_on and self.starts_on and self.signed_on > self.starts_on:
            errors["signed_on"] = _("Le mandat doit être signé avant de prendre effet.")
        days = self.remittance_days
        if days and days > ONE_MONTH_DAYS and not self.longer_delay_agreed:
            errors["remittance_days"] = _(
                "Plus d'un mois après l'encaissement : cochez « délai plus long convenu "
                "expressément » si la convention le prévoit (CPCE R124-6)."
            )
        if self.creditor_id and self.starts_on and not errors and self.overlapping().exists():
            errors["starts_on"] = _(
                "Ce mandant a déjà un mandat en vigueur sur cette période : un seul mandat "
                "actif par mandant à une date."
            )
        if errors:
            raise ValidationError(errors)

    def overlapping(self) -> models.QuerySet[Mandate]:
        """The other mandates of this creditor in force on some day of this one."""
        others = Mandate.objects.filter(creditor_id=self.creditor_id).exclude(pk=self.pk)
        others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on))
        if self.ends_on:
            others = others.filter(starts_on__lte=self.ends_on)
        return others


class EntryKind(models.TextChoices):
    COLLECTED = "collected", _("Encaissement")
    REVERSAL = "reversal", _("Annulation d'encaissement")
    COMMISSION = "commission", _("Commission")
    VAT = "vat", _("TVA sur commission")
    REMITTED = "remitted", _("Reversement")
    ADJUSTMENT = "adjustment", _("Régularisation")


# the kinds a remittance run settles (what was received or corrected for the mandant); the
# others are written by the run itself
PENDING_KINDS = (EntryKind.COLLECTED, EntryKind.REVERSAL, EntryKind.ADJUSTMENT)


class Notice(models.TextChoices):
    """How the mandant was told of a collection (CPCE R124-5)."""

    NONE = "", _("—")
    EMAIL = "email", _("Informé par e-mail")
    PORTAL = "portal", _("Avis dans l'espace mandant")
    PLAN = "plan", _("Échéance d'un échéancier connu du mandant")


class TrustEntry(TenantModel):
    """One line of the trust account (compte de tiers) of a mandant. Append-only (but for
    the remittance that settles it).

    Few indexes: the run sets the remittance of every entry it settles, and PostgreSQL
    writes a new entry in every index of the table for each row so updated."""

    # trust_books_idx serves the organisation's queries and a mandant's
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("mandant"),
        on_delete=models.PROTECT,
        related_name="trust_entries",
        db_index=False,
    )
    mandate = models.ForeignKey(
        Mandate,
        verbose_name=_("mandat"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,  # read through the entries of an organisation or a remittance
    )
    kind = models.CharField(_("nature"), max_length=12, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(_("montant"))
    on = models.DateField(_("date"))
    payment = models.ForeignKey(
        "ledger.Payment",
        verbose_name=_("paiement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # trust_payment_once_per_kind starts with it
    )
    remittance = models.ForeignKey(
        "agency.Remittance",
        verbose_name=_("reversement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    text = models.CharField(_("libellé"), max_length=200, blank=True)
    notice = models.CharField(
        _("information du mandant"), max_length=6, choices=Notice.choices, blank=True, default=""
    )

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("écriture du compte de tiers")
        verbose_name_plural = _("écritures du compte de tiers")
        ordering = ["-on", "-id"]
        constraints = [
            # a payment is entered once, and reversed once
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=Q(kind__in=["collected", "reversal"]),
                name="trust_payment_once_per_kind",
            ),
        ]
        indexes = [
            # the organisation's books, a mandant's (visible_to), by date
            models.Index(fields=["organization", "creditor", "on"], name="trust_books_idx"),
            # the run and the due-soon page: what is not remitted yet, up to a date. Partial:
            # an entry leaves it when remitted (one index write, not a move), and the run
            # reads the pending entries only, however long the books
            models.Index(
                fields=["organization", "on"],
                condition=Q(remittance__isnull=True),
                name="trust_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on:%d/%m/%Y} {self.get_kind_display()} {self.amount_cents}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("trust entries are append-only")
        super().save(*args, **kwargs)


class RemittanceStatus(models.TextChoices):
    PREPARED = "prepared", _("Préparé")
    SENT = "sent", _("Envoyé")


def remittance_path(instance: Any, filename: str) -> str:
    return f"agency/{instance.organization_id}/{filename}"


class TransferBatch(TenantModel):
    """One remittance run and its SEPA credit transfer file (pain.001.001.03) paying every
    remittance of the run from the trust account."""

    period_end = models.DateField(_("période arrêtée au"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("fichier pain.001"), upload_to=remittance_path, blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=35, blank=True)
    count = models.PositiveIntegerField(_("virements"), default=0)
    total_cents = AmountField(_("total"), default=0)
    errors = models.JSONField(_("mandants écartés"), default=list, blank=True)

    class Meta:
        verbose_name = _("lot de virements")
        verbose_name_plural = _("lots de virements")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return f"{_('Reversements au')} {self.period_end:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("agency:remittances")


class Remittance(TenantModel):
    """What the agency remits to one mandant for a period: the sums collected less
    reversals, its commission and the VAT on it (CPCE R124-6)."""

    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("mandant"),
        on_delete=models.PROTECT,
        related_name="remittances",
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandat"), on_delete=models.PROTECT, related_name="remittances"
    )
    batch = models.ForeignKey(
        TransferBatch,
        verbose_name=_("lot de virements"),
        on_delete=models.PROTECT,
        related_name="remittances",
    )
    number = models.CharField(_("n° de relevé"), max_length=20)
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    entry_count = models.PositiveIntegerField(_("écritures"), default=0)
    collected_cents = AmountField(_("encaissé"), default=0)
    reversed_cents = AmountField(_("annulé"), default=0)
    adjusted_cents = models.BigIntegerField(_("régularisations"), default=0)
    case_count = models.PositiveIntegerField(_("dossiers confiés facturés"), default=0)
    fees_cents = AmountField(_("forfaits"), default=0)
    commission_cents = models.BigIntegerField(_("commission HT"), default=0)
    vat_cents = models.BigIntegerField(_("TVA"), default=0)
    remitted_cents = AmountField(_("reversé"), default=0)
    status = models.CharField(
        _("état"), max_length=10, choices=RemittanceStatus.choices, default="prepared"
    )
    statement = models.FileField(_("relevé PDF"), upload_to=remittance_path, blank=True)

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("reversement")
        verbose_name_plural = _("reversements")
        ordering = ["-period_end", "creditor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="remittance_number_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.creditor}"

    def get_absolute_url(self) -> str:
        return reverse("agency:remittance", args=[self.pk])

    @property
    def total_commission_cents(self) -> int:
        """Commission and its VAT: what the agency keeps."""
        return self.commission_cents + self.vat_cents


class CommissionInvoice(TenantModel):
    """The agency's invoice of its fee to the mandant for a remittance (CPCE R124-3),
    numbered without gaps per organisation and year (InvoiceCounter)."""

    creditor = models.ForeignKey(
        "ledger.Creditor", verbose_name=_("mandant"), on_delete=models.PROTECT, related_name="+"
    )
    remittance = models.OneToOneField(
        Remittance, verbose_name=_("reversement"), on_delete=models.PROTECT, related_name="invoice"
    )
    number = models.CharField(_("n° de facture"), max_length=20)
    issued_on = models.DateField(_("émise le"))
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    net_cents = models.BigIntegerField(_("montant HT"))
    vat_cents = models.BigIntegerField(_("TVA"))
    total_cents = models.BigIntegerField(_("montant TTC"))
    pdf = models.FileField(_("facture PDF"), upload_to=remittance_path, blank=True)

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("facture de commission")
        verbose_name_plural = _("factures de commission")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="invoice_number_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class BookCounter(models.Model):
    """The last number given per organisation, series and year (statements, invoices),
    taken under a row lock: never two alike, never a gap (an invoice's numbering must be
    continuous)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "series", "year"], name="book_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"
