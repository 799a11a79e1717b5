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
    ("agency", _("Mandants"), "agency:trust", "/mandants/"),
    ("calculator", _("Calculateur"), "lawdesk:calculator", "/calculateur/"),
    ("settings", _("Paramètres"), "pages:settings", "/parametres/"),
]


# a field collector's menu: their round, and the cases and tasks of their visits
FIELD_NAVIGATION = [
    ("field", _("Visites du jour"), "field:today", "/terrain/"),
    ("cases", _("Dossiers"), "cases:case_list", "/dossiers/"),
    ("tasks", _("Tâches"), "cases:tasks", "/taches/"),
]


# a mandant's menu: its space in the agency's books (collections, statements), its cases
MANDANT_NAVIGATION = [
    ("agency", _("Mon espace"), "agency:mandant_home", "/espace-mandant/"),
    ("cases", _("Dossiers"), "cases:case_list", "/dossiers/"),
]

MENUS = {"field_collector": FIELD_NAVIGATION, "mandant": MANDANT_NAVIGATION}


def navigation(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    items = []
    member = getattr(request, "membership", None)
    menu = MENUS.get(getattr(member, "role", ""), NAVIGATION)
    for key, label, url_name, prefix in menu:
        if menu is NAVIGATION and key == "agency" and not _keeps_books(member):
            continue
        active = path.startswith(prefix) if prefix else path == "/"
        items.append({"key": key, "label": label, "url_name": url_name, "active": active})
    if path.startswith("/creanciers/"):
        items[-1]["active"] = True
    return {"nav_items": items, "membership": getattr(request, "membership", None)}


def _keeps_books(member: Any) -> bool:
    """The agency's books (mandants) are shown to an agency's administrators and agents."""
    return (
        member is not None and member.organization.is_agency and member.role in ("admin", "agent")
    )
