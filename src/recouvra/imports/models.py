"""Import batches (one per uploaded file), their row errors, saved column mappings, and the
bank lines read from statements, deduplicated across overlapping files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from recouvra.core.fields import AmountField, CurrencyField
from recouvra.core.models import TenantModel
from recouvra.law.money import MAX_CENTS


class ImportKind(models.TextChoices):
    LEDGER = "ledger", _("Créances (balance clients, FEC, factures)")
    BANK = "bank", _("Relevé bancaire")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    PARSING = "parsing", _("Lecture en cours")
    PREVIEW = "preview", _("À valider")
    TO_IMPORT = "to_import", _("Import en attente")
    IMPORTING = "importing", _("Import en cours")
    DONE = "done", _("Importé")
    FAILED = "failed", _("Échec")


class ImportBatch(TenantModel):
    """One uploaded file, kept with its checksum, and what importing it changed."""

    kind = models.CharField(_("type"), max_length=10, choices=ImportKind.choices, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    filename = models.CharField(_("fichier"), max_length=255)
    file = models.FileField(_("fichier"), upload_to="imports/%Y/%m/")
    size = models.BigIntegerField(_("taille (octets)"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("créancier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progression (%)"), default=0)
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict, blank=True)
    # what the file holds, shown before the import is confirmed (first rows, totals)
    preview = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # a batch whose reading or import was interrupted (worker stopped, time limit) and
    # failed: the status a retry puts it back to
    resume_status = models.CharField(max_length=10, choices=ImportStatus.choices, blank=True)

    creditor_lookup = "creditor"

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("imports:batch", args=[self.pk])

    @property
    def is_running(self) -> bool:
        running = (
            ImportStatus.QUEUED,
            ImportStatus.PARSING,
            ImportStatus.TO_IMPORT,
            ImportStatus.IMPORTING,
        )
        return self.status in running

    @property
    def can_retry(self) -> bool:
        return self.status == ImportStatus.FAILED and bool(self.resume_status)


class ImportRowError(TenantModel):
    """A line of an imported file that was not imported, and why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("ligne"), null=True)
    field = models.CharField(_("champ"), max_length=60, blank=True)
    reason = models.TextField(_("motif"))

    creditor_lookup = "batch__creditor"

    class Meta:
        verbose_name = _("ligne rejetée")
        verbose_name_plural = _("lignes rejetées")
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line}: {self.reason}"


class ColumnMapping(TenantModel):
    """The columns of a CSV/XLSX source, mapped once and reused for its next files."""

    name = models.CharField(_("source"), max_length=100)
    headers_key = models.CharField(max_length=64)  # sha256 of the normalised header row
    mapping = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("correspondance de colonnes")
        verbose_name_plural = _("correspondances de colonnes")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "headers_key"], name="one_mapping_per_header_row"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BankAccount(TenantModel):
    """An account whose statements are imported (the creditor's, or an agency trust account)."""

    identifier = models.CharField(_("IBAN ou compte"), max_length=64)
    currency = CurrencyField()
    label = models.CharField(_("libellé"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("compte bancaire")
        verbose_name_plural = _("comptes bancaires")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identifier", "currency"], name="one_bank_account"
            )
        ]

    def __str__(self) -> str:
        return self.label or self.identifier


class BankLineStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("À rapprocher")
    PROPOSED = "proposed", _("Proposition à valider")
    MATCHED = "matched", _("Lettré")
    IGNORED = "ignored", _("Ignoré")
    UNAPPLIED = "unapplied", _("Ne règle rien chez nous")


class UnappliedReason(models.TextChoices):
    """Why a credit pays none of our claims: the agent's answer, kept with the line."""

    REFUND = "refund", _("Remboursement (client aussi fournisseur)")
    DUPLICATE = "duplicate", _("Doublon d'un paiement déjà reçu")
    OTHER_COMPANY = "other_company", _("Facture d'une autre société")
    TO_RETURN = "to_return", _("À restituer au payeur")
    OTHER = "other", _("Autre")


class BankLine(TenantModel):
    """One movement of a bank statement; the same movement in two files is stored once."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="bank_lines")
    booking_date = models.DateField(_("date d'opération"))
    value_date = models.DateField(_("date de valeur"), null=True, blank=True)
    amount_cents = AmountField(_("montant"))  # credit positive
    currency = CurrencyField()
    label = models.TextField(_("libellé"), blank=True)
    reference = models.CharField(_("référence"), max_length=140, blank=True)
    end_to_end_id = models.CharField(max_length=140, blank=True)
    mandate_reference = models.CharField(max_length=140, blank=True)
    counterparty_name = models.CharField(_("contrepartie"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("IBAN contrepartie"), max_length=34, blank=True)
    # what identifies the movement across overlapping statements of one account
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=BankLineStatus.choices,
        default=BankLineStatus.UNMATCHED,
    )
    # status UNAPPLIED: why the credit pays nothing of ours, and the agent's words
    unapplied_reason = models.CharField(
        _("motif"), max_length=20, choices=UnappliedReason.choices, blank=True
    )
    unapplied_note = models.CharField(_("commentaire"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ligne de relevé")
        verbose_name_plural = _("lignes de relevé")
        ordering = ["-booking_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fingerprint"], name="bank_line_once_per_account"
            ),
            # the last line of defence of the amount ceiling (recouvra.law.money.MAX_CENTS)
            models.CheckConstraint(
                condition=Q(amount_cents__gte=-MAX_CENTS, amount_cents__lte=MAX_CENTS),
                name="bank_line_within_ceiling",
            ),
        ]
        indexes = [
            # the reconciliation queue: credits still to match, per tenant
            models.Index(fields=["organization", "status", "booking_date"], name="bankline_queue"),
            # what earlier matched lines teach the engine: who paid from this IBAN, mandate…
            models.Index(fields=["organization", "counterparty_iban"], name="bankline_payer_iban"),
            models.Index(fields=["organization", "end_to_end_id"], name="bankline_end_to_end"),
            models.Index(fields=["organization", "mandate_reference"], name="bankline_mandate"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date:%d/%m/%Y} {self.amount_cents}"
