from django.urls import path

from . import views

app_name = "lawdesk"

urlpatterns = [
    path("calculateur/", views.calculator, name="calculator"),
    path("parametres/taux/", views.rates, name="rates"),
]
