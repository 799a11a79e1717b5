from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "recouvra.dunning"
    verbose_name = _("Relances")

    def ready(self) -> None:
        from recouvra.web import cards

        from . import views

        cards.register("creditor", "dunning/_assignment.html", views.assignment_card)
        cards.register("debtor", "dunning/_assignment.html", views.assignment_card)
        cards.register("case", "dunning/_case_dunning.html", views.case_card)
