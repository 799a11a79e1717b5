from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawdeskConfig(AppConfig):
    name = "recouvra.lawdesk"
    label = "lawdesk"
    verbose_name = _("Droit appliqué")
