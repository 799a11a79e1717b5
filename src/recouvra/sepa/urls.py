from django.urls import path

from . import views

app_name = "sepa"

urlpatterns = [
    path("prelevements/", views.collections, name="collections"),
    path("prelevements/generer/", views.build, name="build"),
    path("prelevements/programmer/", views.run_now, name="run"),
    path("prelevements/retours/", views.returns, name="returns"),
    path("prelevements/identite/", views.identity, name="identity"),
    path("prelevements/remises/<int:pk>/", views.collection, name="collection"),
    path("prelevements/remises/<int:pk>/fichier/", views.collection_file, name="collection_file"),
    path("prelevements/remises/<int:pk>/encaisser/", views.settle, name="settle"),
    path("prelevements/mandats/<int:pk>/", views.mandate, name="mandate"),
    path("prelevements/mandats/<int:pk>/revoquer/", views.mandate_revoke, name="mandate_revoke"),
    path("debiteurs/<int:pk>/mandats/nouveau/", views.mandate_add, name="mandate_add"),
]
