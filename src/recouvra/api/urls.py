from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import keys_views
from .resources import (
    agency,
    cases,
    dunning,
    field,
    imports,
    law,
    ledger,
    lettrage,
    plans,
    queue,
    sepa,
)

app_name = "api"

AREAS = (ledger, cases, plans, queue, dunning, imports, lettrage, sepa, law, field, agency)

router = SimpleRouter()
# with and without the final slash (DRF's constructor turns any true value into "/")
router.trailing_slash = "/?"
for area in AREAS:
    for prefix, viewset, basename in area.routes:
        router.register(prefix, viewset, basename=basename)

v1 = [path for area in AREAS for path in area.paths] + router.urls

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("parametres/api/", keys_views.key_list, name="keys"),
    path("parametres/api/nouvelle/", keys_views.key_create, name="key_create"),
    path("parametres/api/<int:pk>/revoquer/", keys_views.key_revoke, name="key_revoke"),
]
