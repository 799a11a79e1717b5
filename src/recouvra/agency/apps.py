from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    """The agency's books: mandates, the trust account per mandant, remittances and
    commission invoices (CPCE R124-3 to R124-6)."""

    name = "recouvra.agency"
    label = "agency"
    verbose_name = _("Comptes mandants")
