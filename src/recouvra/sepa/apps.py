from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    """SEPA direct debit of payment plans: mandates, pain.008 files, returned debits."""

    name = "recouvra.sepa"
    label = "sepa"
    verbose_name = _("Prélèvements SEPA")
