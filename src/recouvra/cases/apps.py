from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "recouvra.cases"
    label = "cases"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from recouvra.ledger.services import claim_created

        from .services import file_created_claim

        # the ledger sits below cases: a claim it creates is filed here
        claim_created.connect(file_created_claim, dispatch_uid="cases.file_created_claim")
