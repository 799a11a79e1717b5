"""Creditors, debtors, claims (créances), payments and their allocation (imputation).

Amounts are integer cents (AmountField). Balances are not stored: they are computed in
the database from principal and allocations (ClaimQuerySet.with_balance and friends).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recouvra.core.fields import AmountField, CurrencyField
from recouvra.core.models import TenantModel, TenantQuerySet
from recouvra.core.search import search_text
from recouvra.core.validators import (
    compact,
    validate_bic,
    validate_iban,
    validate_siren,
    validate_siret,
    validate_vat,
)
from recouvra.law.money import MAX_CENTS


class Address(models.Model):
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR")

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(p for p in (self.postal_code, self.city) if p)
        lines = [self.address_line1, self.address_line2, city]
        if self.country and self.country != "FR":
            lines.append(self.country)
        return [line for line in lines if line]


class Creditor(TenantModel, Address):
    """Who is owed: the company itself, or for an agency one of its clients (mandant)."""

    name = models.CharField(_("raison sociale"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(
        _("BIC"), max_length=11, blank=True, db_default="", validators=[validate_bic]
    )
    is_mandant = models.BooleanField(
        _("mandant"), default=False, help_text=_("Client créancier d'un cabinet de recouvrement.")
    )
    # the creditor's rules for payment plans (échéanciers): empty means no limit
    plan_max_months = models.PositiveSmallIntegerField(
        _("durée maximale d'un échéancier (mois)"), null=True, blank=True
    )
    plan_min_instalment_cents = AmountField(
        _("échéance minimale (centimes)"), null=True, blank=True
    )

    creditor_lookup = "pk"
    partner_lookup = "cases__legal_partner"

    class Meta:
        verbose_name = _("créancier")
        verbose_name_plural = _("créanciers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:creditor", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.iban = compact("iban", self.iban)
        super().save(*args, **kwargs)


class DebtorKind(models.TextChoices):
    COMPANY = "company", _("Entreprise")
    PERSON = "person", _("Particulier")


class RiskLevel(models.TextChoices):
    """The credit manager's rating of a debtor (its risk score, later, in analytics)."""

    UNRATED = "", pgettext_lazy("risk level", "Non évalué")
    LOW = "low", pgettext_lazy("risk level", "Faible")
    MEDIUM = "medium", pgettext_lazy("risk level", "Moyen")  # not the payment method
    HIGH = "high", pgettext_lazy("risk level", "Élevé")


RISK_RANK = {RiskLevel.UNRATED: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


def risk_at_least(level: str, minimum: str) -> bool:
    """Whether a debtor rated `level` is at `minimum` risk or above (unrated: never)."""
    return RISK_RANK.get(level, 0) >= RISK_RANK[minimum] > 0


class DebtorQuerySet(TenantQuerySet):
    def with_balance(self, on: date) -> Self:
        """Annotate `balance` (principal still due on open claims) and `overdue`."""
        claims = Claim.objects.filter(debtor=OuterRef("pk")).open().with_balance()
        total = claims.values("debtor").annotate(s=Sum("balance")).values("s")
        overdue = (
            claims.filter(due_date__lt=on).values("debtor").annotate(s=Sum("balance")).values("s")
        )
        return self.annotate(
            balance=Coalesce(Subquery(total), Value(0), output_field=models.BigIntegerField()),
            overdue=Coalesce(Subquery(overdue), Value(0), output_field=models.BigIntegerField()),
        )


class Debtor(TenantModel, Address):
    """A company (SIREN/SIRET/VAT) or a natural person who owes money."""

    kind = models.CharField(_("type"), max_length=10, choices=DebtorKind.choices)
    name = models.CharField(_("nom ou raison sociale"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    vat_number = models.CharField(
        _("n° TVA intracommunautaire"), max_length=20, blank=True, validators=[validate_vat]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    notes = models.TextField(_("notes"), blank=True)
    customer_code = models.CharField(
        _("code client"),
        max_length=40,
        blank=True,
        help_text=_("Compte du client dans la comptabilité du créancier (ex. 411DUBOIS)."),
    )
    risk_level = models.CharField(
        _("niveau de risque"),
        max_length=6,
        choices=RiskLevel.choices,
        blank=True,
        default=RiskLevel.UNRATED,
        db_default=RiskLevel.UNRATED,  # the imports insert debtors without it
        help_text=_("Cotation interne ; des étapes de relance peuvent ne viser qu'un niveau."),
    )
    search_text = models.TextField(editable=False, default="")

    creditor_lookup = "claims__creditor"
    partner_lookup = "cases__legal_partner"

    objects = DebtorQuerySet.as_manager()

    class Meta:
        verbose_name = _("débiteur")
        verbose_name_plural = _("débiteurs")
        ordering = ["name"]
        indexes = [
            # the debtor list, sorted by name within a tenant
            models.Index(fields=["organization", "name"], name="debtor_org_name_idx"),
            # how a ledger import and the API's bulk upsert find a row's debtor
            models.Index(fields=["organization", "siren"], name="debtor_org_siren_idx"),
            models.Index(fields=["organization", "customer_code"], name="debtor_org_code_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:debtor", args=[self.pk])

    @property
    def is_company(self) -> bool:
        return self.kind == DebtorKind.COMPANY

    def clean(self) -> None:
        self.siren = compact("siren", self.siren)
        self.siret = compact("siret", self.siret)
        self.vat_number = compact("vat", self.vat_number).upper()
        if self.kind == DebtorKind.PERSON and (self.siren or self.siret or self.vat_number):
            raise ValidationError(_("Un particulier n'a ni SIREN, ni SIRET, ni n° de TVA."))
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValidationError({"siret": _("Le SIRET doit commencer par le SIREN.")})
        if self.siret and not self.siren:
            self.siren = self.siret[:9]

    def refresh_search_text(self) -> None:
        self.search_text = search_text(
            self.name, self.siren, self.siret, self.email, self.city, self.postal_code
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.iban = compact("iban", self.iban)
        self.refresh_search_text()
        super().save(*args, **kwargs)


class ContactKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Téléphone")
    ADDRESS = "address", _("Adresse")


class Contact(TenantModel):
    """An extra email, phone number or address for a debtor (accounting, director…)."""

    debtor = models.ForeignKey(
        Debtor, verbose_name=_("débiteur"), on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("type"), max_length=10, choices=ContactKind.choices)
    label = models.CharField(_("libellé"), max_length=100, blank=True)
    value = models.TextField(_("valeur"))

    creditor_lookup = "debtor__claims__creditor"
    partner_lookup = "debtor__cases__legal_partner"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ClaimKind(models.TextChoices):
    B2B = "b2b", _("Professionnel (B2B)")
    B2C = "b2c", _("Consommateur (B2C)")


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    DISPUTED = "disputed", _("Contestée")
    PAID = "paid", _("Soldée")
    WRITTEN_OFF = "written_off", _("Passée en perte")
    TIME_BARRED = "time_barred", _("Prescrite")
    CANCELLED = "cancelled", _("Annulée")


OPEN_STATUSES = (ClaimStatus.OPEN, ClaimStatus.DISPUTED)

AGEING_BUCKETS = (
    ("not_due", _("Non échu")),
    ("d0_30", _("1–30 j")),
    ("d31_60", _("31–60 j")),
    ("d61_90", _("61–90 j")),
    ("d91_180", _("91–180 j")),
    ("d180_plus", _("> 180 j")),
)


class ClaimQuerySet(TenantQuerySet):
    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)

    def with_balance(self) -> Self:
        """Annotate `paid` (principal allocated so far) and `balance` (principal still due)."""
        paid = (
            Allocation.objects.filter(claim=OuterRef("pk"), payment__reversed_at__isnull=True)
            .values("claim")
            .annotate(s=Sum("to_principal"))
            .values("s")
        )
        return self.annotate(
            paid=Coalesce(Subquery(paid), Value(0), output_field=models.BigIntegerField())
        ).annotate(balance=F("principal_cents") - F("paid"))

    def ageing(self, on: date) -> dict[str, int]:
        """Open balance by ageing bucket (days past the due date on `on`), in cents."""
        from datetime import timedelta

        def past(days: int) -> date:
            return on - timedelta(days=days)

        buckets = {
            "not_due": Q(due_date__gte=on),
            "d0_30": Q(due_date__lt=on, due_date__gte=past(30)),
            "d31_60": Q(due_date__lt=past(30), due_date__gte=past(60)),
            "d61_90": Q(due_date__lt=past(60), due_date__gte=past(90)),
            "d91_180": Q(due_date__lt=past(90), due_date__gte=past(180)),
            "d180_plus": Q(due_date__lt=past(180)),
        }
        sums = {
            name: Coalesce(
                Sum(Case(When(cond, then=F("balance")), default=Value(0))),
                Value(0),
                output_field=models.BigIntegerField(),
            )
            for name, cond in buckets.items()
        }
        result = self.open().with_balance().aggregate(**sums)
        return {name: int(result[name]) for name, _label in AGEING_BUCKETS}


class Claim(TenantModel):
    """One invoice or contract debt: principal, dates, terms. Its balance is computed."""

    creditor = models.ForeignKey(
        Creditor, verbose_name=_("créancier"), on_delete=models.PROTECT, related_name="claims"
    )
    debtor = models.ForeignKey(
        Debtor, verbose_name=_("débiteur"), on_delete=models.PROTECT, related_name="claims"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="claims",
        null=True,
        editable=False,
    )
    reference = models.CharField(_("référence"), max_length=60)
    issue_date = models.DateField(_("date d'émission"))
    due_date = models.DateField(_("date d'échéance"))
    principal_cents = AmountField(_("montant principal"))
    currency = CurrencyField()
    kind = models.CharField(_("nature"), max_length=3, choices=ClaimKind.choices)
    terms = models.TextField(
        _("conditions contractuelles"),
        blank=True,
        help_text=_("Conditions de paiement, pénalités de retard, clause pénale…"),
    )
    contractual_rate = models.DecimalField(
        _("taux contractuel des pénalités (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    search_text = models.TextField(editable=False, default="")

    creditor_lookup = "creditor"
    partner_lookup = "case__legal_partner"

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("créance")
        verbose_name_plural = _("créances")
        ordering = ["due_date", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "reference"], name="claim_reference_unique_per_creditor"
            ),
            models.CheckConstraint(
                condition=Q(principal_cents__gte=0), name="claim_principal_not_negative"
            ),
            # the last line of defence of the amount ceiling (recouvra.law.money.MAX_CENTS)
            models.CheckConstraint(
                condition=Q(principal_cents__lte=MAX_CENTS), name="claim_principal_within_ceiling"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="claim_due_after_issue"
            ),
        ]
        indexes = [
            # the claim list and the ageing report: open claims of a tenant by due date
            models.Index(
                fields=["organization", "status", "due_date"], name="claim_org_status_due"
            ),
            # the API's `updated_since`: what a system syncing its ledger asks every few minutes
            models.Index(fields=["organization", "updated_at"], name="claim_org_updated"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("ledger:claim", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.principal_cents is not None and self.principal_cents < 0:
            errors["principal_cents"] = _("Le montant principal ne peut pas être négatif.")
        if self.issue_date and self.due_date and self.due_date < self.issue_date:
            errors["due_date"] = _("La date d'échéance ne peut pas précéder la date d'émission.")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude: Any = None) -> None:
        # clean() reports the check constraints field by field; the database keeps them
        # as a safety net. Only the unique reference needs a query.
        if not (self.creditor_id and self.reference):
            return
        clash = Claim.objects.filter(creditor_id=self.creditor_id, reference=self.reference)
        if clash.exclude(pk=self.pk).exists():
            message = _("Ce créancier a déjà une créance de référence %(ref)s.")
            raise ValidationError({"reference": message % {"ref": self.reference}})

    def refresh_search_text(self) -> None:
        self.search_text = search_text(self.reference, getattr(self.debtor, "name", ""))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_text()
        super().save(*args, **kwargs)

    def paid_cents(self) -> int:
        live = self.allocations.filter(payment__reversed_at__isnull=True)
        total = live.aggregate(s=Sum("to_principal"))["s"]
        return int(total or 0)

    def balance_cents(self) -> int:
        return self.principal_cents - self.paid_cents()

    def days_overdue(self, on: date) -> int:
        return max((on - self.due_date).days, 0)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement SEPA")
    CHEQUE = "cheque", _("Chèque")
    CARD = "card", _("Carte bancaire")
    CASH = "cash", _("Espèces")


class Payment(TenantModel):
    """Money received from a debtor, from a bank line, a collector or the portal."""

    creditor = models.ForeignKey(
        Creditor, verbose_name=_("créancier"), on_delete=models.PROTECT, related_name="payments"
    )
    debtor = models.ForeignKey(
        Debtor, verbose_name=_("débiteur"), on_delete=models.PROTECT, related_name="payments"
    )
    amount_cents = AmountField(_("montant"))
    currency = CurrencyField()
    received_on = models.DateField(_("reçu le"))
    method = models.CharField(_("moyen de paiement"), max_length=15, choices=PaymentMethod.choices)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    # undoing a match reverses the payment: it stays, marked, and no longer counts
    reversed_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    # the field collector who took it on a visit
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("encaissé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # the receipt (quittance, CPCE R124-6): numbered once, never reused (ReceiptCounter)
    receipt_number = models.CharField(
        _("n° de quittance"), max_length=20, blank=True, default="", db_default=""
    )

    creditor_lookup = "creditor"
    # a partner sees the payments applied to the claims of the cases handed to them
    partner_lookup = "allocations__claim__case__legal_partner"

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(amount_cents__lte=MAX_CENTS), name="payment_within_ceiling"
            ),
            models.UniqueConstraint(
                fields=["organization", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="receipt_number_unique_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on:%d/%m/%Y} {self.reference or self.get_method_display()}"

    def allocated_cents(self) -> int:
        parts = self.allocations.aggregate(
            s=Coalesce(Sum(F("to_principal") + F("to_interest") + F("to_fees")), Value(0))
        )
        return int(parts["s"])


class Allocation(TenantModel):
    """The part of a payment applied to one claim, split into interest, fees and principal."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("paiement"), on_delete=models.PROTECT, related_name="allocations"
    )
    claim = models.ForeignKey(
        Claim, verbose_name=_("créance"), on_delete=models.PROTECT, related_name="allocations"
    )
    to_interest = AmountField(_("imputé aux intérêts"), default=0)
    to_fees = AmountField(_("imputé aux frais"), default=0)
    to_principal = AmountField(_("imputé au principal"), default=0)

    creditor_lookup = "claim__creditor"
    partner_lookup = "claim__case__legal_partner"

    class Meta:
        verbose_name = _("imputation")
        verbose_name_plural = _("imputations")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_interest__gte=0, to_fees__gte=0, to_principal__gte=0),
                name="allocation_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    to_interest__lte=MAX_CENTS, to_fees__lte=MAX_CENTS, to_principal__lte=MAX_CENTS
                ),
                name="allocation_parts_within_ceiling",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.claim}"

    @property
    def total_cents(self) -> int:
        return self.to_interest + self.to_fees + self.to_principal


class ReceiptCounter(models.Model):
    """The last receipt number an organisation gave, per year: receipts are numbered without
    gaps or reuse (ledger.services.number_receipt takes the next one under a row lock)."""

    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_receipt_counter")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
