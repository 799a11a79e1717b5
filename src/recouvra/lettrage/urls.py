from django.urls import path

from . import views

app_name = "lettrage"

urlpatterns = [
    path("lettrage/", views.queue, name="queue"),
    path("lettrage/relancer/", views.run, name="run_matching"),
    path("lettrage/<int:pk>/valider/", views.accept, name="accept"),
    path("lettrage/<int:pk>/rejeter/", views.reject, name="reject"),
    path("lettrage/<int:pk>/annuler/", views.reverse, name="reverse"),
    path("lettrage/virement/<int:pk>/non-impute/", views.unapply, name="unapply"),
    path("lettrage/virement/<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("lettrage/faits/<int:pk>/retirer/", views.remove_fact, name="remove_fact"),
]
