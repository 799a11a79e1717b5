from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "recouvra.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from recouvra import compiled

        if stale := compiled.stale():
            raise ImproperlyConfigured(
                f"Compiled modules older than their source: {', '.join(stale)}. "
                "Run `make compile` again, or `make clean-compiled`."
            )
