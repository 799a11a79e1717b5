from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    path("paiements/<int:pk>/quittance/", views.receipt, name="receipt"),
    path("echeanciers/<int:pk>/accord/", views.plan_agreement, name="plan_agreement"),
    path("echeanciers/<int:pk>/decheance/", views.plan_lapse, name="plan_lapse"),
]
