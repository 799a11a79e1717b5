"""Rates entered in the app, beside the packaged tables of recouvra.law."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LawRateKind(models.TextChoices):
    ECB_REFERENCE = "ecb_reference", _("Taux BCE (refinancement) au 1er jour du semestre")
    LEGAL_CONSUMER = "legal_consumer", _("Intérêt légal — créancier particulier")
    LEGAL_OTHER = "legal_other", _("Intérêt légal — autres cas")


class LawRate(models.Model):
    """A rate entered in the app to add or correct the packaged tables (Paramètres → Taux).

    Rates are national, so this table is shared by every organisation; only staff
    may change it, and every change is audited.
    """

    kind = models.CharField(_("taux"), max_length=20, choices=LawRateKind.choices)
    semester = models.CharField(
        _("semestre"),
        max_length=7,
        validators=[RegexValidator(r"^20\d\d-S[12]$", _("Semestre au format 2026-S2."))],
    )
    percent = models.DecimalField(_("taux (%)"), max_digits=6, decimal_places=3)
    verified = models.BooleanField(
        _("vérifié"), default=True, help_text=_("Décochez si le taux reste à confirmer.")
    )
    source = models.CharField(
        _("source"), max_length=300, help_text=_("Arrêté, publication BCE ou Banque de France.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "core_lawrate"  # born in core: the table kept its name
        verbose_name = _("taux saisi")
        verbose_name_plural = _("taux saisis")
        ordering = ["-semester", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "semester"], name="one_rate_per_kind_semester")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.semester} : {self.percent} %"
