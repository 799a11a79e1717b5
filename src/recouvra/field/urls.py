from django.urls import path

from . import views

app_name = "field"

urlpatterns = [
    path("terrain/", views.today, name="today"),
    path("terrain/visites/<int:pk>/", views.visit, name="visit"),
    path("terrain/visites/<int:pk>/paiement/", views.take_payment, name="take_payment"),
    path("terrain/paiements/<int:pk>/quittance/", views.receipt, name="receipt"),
    path("q/<str:token>/", views.public_receipt, name="public_receipt"),
]
