from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("dashboard", _("Tableau de bord"), "pages:dashboard", ""),
    ("debtors", _("Débiteurs"), "ledger:debtor_list", "/debiteurs/"),
    ("claims", _("Créances"), "ledger:claim_list", "/creances/"),
    ("cases", _("Dossiers"), "cases:case_list", "/dossiers/"),
    ("queue", _("Ma file"), "cases:queue", "/file/"),
    ("disputes", _("Litiges"), "cases:disputes", "/litiges/"),
    ("tasks", _("Tâches"), "cases:tasks", "/taches/"),
    ("imports", _("Imports"), "imports:home", "/imports/"),
    ("dunning", _("Relances"), "pages:dunning", "/relances/"),
    ("sepa", _("Prélèvements"), "sepa:collections", "/prelevements/"),
    ("legal", _("Contentieux"), "pages:legal", "/contentieux/"),
    ("reports", _("Rapports"), "pages:reports", "/rapports/"),
    ("calculator", _("Calculateur"), "lawdesk:calculator", "/calculateur/"),
    ("settings", _("Paramètres"), "pages:settings", "/parametres/"),
]


# a field collector's menu: their round, and the cases and tasks of their visits
FIELD_NAVIGATION = [
    ("field", _("Visites du jour"), "field:today", "/terrain/"),
    ("cases", _("Dossiers"), "cases:case_list", "/dossiers/"),
    ("tasks", _("Tâches"), "cases:tasks", "/taches/"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    items = []
    member = getattr(request, "membership", None)
    menu = FIELD_NAVIGATION if getattr(member, "role", "") == "field_collector" else NAVIGATION
    for key, label, url_name, prefix in menu:
        active = path.startswith(prefix) if prefix else path == "/"
        items.append({"key": key, "label": label, "url_name": url_name, "active": active})
    if path.startswith("/creanciers/"):
        items[-1]["active"] = True
    return {"nav_items": items, "membership": getattr(request, "membership", None)}
