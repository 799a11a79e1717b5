from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    """Field collection: the collector's visits of the day, payments taken on the spot and
    their numbered receipts."""

    name = "recouvra.field"
    label = "field"
    verbose_name = _("Recouvrement terrain")

    def ready(self) -> None:
        from recouvra.web import cards

        from . import views

        # the case page shows its visits and the payments taken on them (with receipts)
        cards.register("case", "field/_case_visits.html", views.case_visits_card)
