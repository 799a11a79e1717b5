from django.urls import path

from . import views, worker_status

app_name = "pages"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("relances/", views.dunning, name="dunning"),
    path("contentieux/", views.legal, name="legal"),
    path("rapports/", views.reports, name="reports"),
    path("parametres/", views.settings_page, name="settings"),
    path("parametres/logo/", views.organization_logo, name="organization_logo"),
    path("parametres/logo/image/", views.logo_image, name="logo_image"),
    path("parametres/taches/", worker_status.worker_status, name="worker_status"),
    path(
        "parametres/taches/<str:pk>/relancer/",
        worker_status.requeue_task,
        name="requeue_task",
    ),
    path("organisation/", views.switch_organization, name="switch_organization"),
]
