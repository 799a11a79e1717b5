from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "recouvra.letters"
    verbose_name = _("Courriers")

    def ready(self) -> None:
        from recouvra.cases.plans import register_balance_source

        from .content import statement_balance

        # what a promise or a plan is measured against: the statement's total (cases sits
        # below the law engine's statements)
        register_balance_source(statement_balance)
