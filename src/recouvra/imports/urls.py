from django.urls import path

from . import reconcile_views, views

app_name = "imports"

urlpatterns = [
    path("imports/", views.home, name="home"),
    path("imports/<int:pk>/", views.batch_page, name="batch"),
    path("imports/<int:pk>/valider/", views.confirm, name="confirm"),
    path("imports/<int:pk>/colonnes/", views.remap, name="remap"),
    path("imports/<int:pk>/relancer/", views.retry, name="retry"),
    path("imports/<int:pk>/rejets.csv", views.errors_csv, name="errors_csv"),
    path("lettrage/", reconcile_views.queue, name="queue"),
    path("lettrage/relancer/", reconcile_views.run, name="run_matching"),
    path("lettrage/<int:pk>/valider/", reconcile_views.accept, name="accept"),
    path("lettrage/<int:pk>/rejeter/", reconcile_views.reject, name="reject"),
    path("lettrage/<int:pk>/annuler/", reconcile_views.reverse, name="reverse"),
]
