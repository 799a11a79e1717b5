from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("relances/", views.dunning, name="dunning"),
    path("contentieux/", views.legal, name="legal"),
    path("rapports/", views.reports, name="reports"),
    path("calculateur/", views.calculator, name="calculator"),
    path("parametres/", views.settings_page, name="settings"),
    path("parametres/logo/", views.organization_logo, name="organization_logo"),
    path("parametres/logo/image/", views.logo_image, name="logo_image"),
    path("parametres/taux/", views.rates, name="rates"),
    path("organisation/", views.switch_organization, name="switch_organization"),
]
