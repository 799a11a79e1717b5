from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from recouvra.api import problems
from recouvra.core.forms import QueuedPasswordResetForm

handler404 = problems.not_found
handler500 = problems.server_error

urlpatterns = [
    path("", include("recouvra.api.urls")),
    path("", include("recouvra.webhooks.urls")),
    path("", include("recouvra.pages.urls")),
    path("", include("recouvra.lawdesk.urls")),
    path("", include("recouvra.ledger.urls")),
    path("", include("recouvra.cases.urls")),
    path("", include("recouvra.imports.urls")),
    path("", include("recouvra.lettrage.urls")),
    path("", include("recouvra.dunning.urls")),
    path("", include("recouvra.letters.urls")),
    path("", include("recouvra.sepa.urls")),
    path("", include("recouvra.field.urls")),
    path("", include("recouvra.agency.urls")),
    path(
        "connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oublie/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/web/favicon.svg", permanent=True)),
]
