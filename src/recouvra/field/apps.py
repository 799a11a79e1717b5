from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    """Field collection: the collector's visits of the day, payments taken on the spot and
    their numbered receipts."""

    name = "recouvra.field"
    label = "field"
    verbose_name = _("Recouvrement terrain")
