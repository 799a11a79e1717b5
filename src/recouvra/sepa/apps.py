from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    """SEPA direct debit of payment plans: mandates, pain.008 files, returned debits."""

    name = "recouvra.sepa"
    label = "sepa"
    verbose_name = _("Prélèvements SEPA")

    def ready(self) -> None:
        from recouvra.core.worker import register_periodic
        from recouvra.imports.services import statement_imported
        from recouvra.web import cards

        from . import services, tasks, views

        cards.register("debtor", "sepa/_debtor_mandates.html", views.debtor_card)
        cards.register("case", "sepa/_case_debits.html", views.case_card)
        # the clock: each organisation's daily steps (schedule, pre-notify), once a day
        register_periodic(tasks.check_daily)
        # a bank statement imported in Imports may collect or give back some of our debits
        # (the credits first: a file holding a debit and its return settles, then returns it)
        statement_imported.connect(services.credits_from_import, dispatch_uid="sepa.credits")
        statement_imported.connect(services.returns_from_import, dispatch_uid="sepa.returns")
