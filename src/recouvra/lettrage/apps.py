from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettrageConfig(AppConfig):
    name = "recouvra.lettrage"
    label = "lettrage"
    verbose_name = _("Lettrage")

    def ready(self) -> None:
        from recouvra.imports.services import statement_imported
        from recouvra.web import cards

        from . import views
        from .reconcile import propose_for_batch

        cards.register("debtor", "lettrage/_facts.html", views.facts_card)

        # imports sits below lettrage: a bank statement it stores is matched here
        statement_imported.connect(propose_for_batch, dispatch_uid="lettrage.propose_for_batch")
