from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawdeskConfig(AppConfig):
    name = "recouvra.lawdesk"
    label = "lawdesk"
    verbose_name = _("Droit appliqué")

    def ready(self) -> None:
        from recouvra.web import cards

        from .statements import case_statement, claim_statement

        # the statement of account on the claim and case pages (ledger and cases sit below)
        cards.register("claim_kpis", "lawdesk/_claim_total.html", claim_statement)
        cards.register("claim_alerts", "lawdesk/_floor_banner.html", claim_statement)
        cards.register("claim_statement", "lawdesk/_statement.html", claim_statement)
        cards.register("case_alerts", "lawdesk/_floor_banner.html", case_statement)
        cards.register("case_statement", "lawdesk/_statement.html", case_statement)
        cards.register("case_kpis", "lawdesk/_case_total.html", case_statement)
