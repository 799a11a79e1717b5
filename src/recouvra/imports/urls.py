from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.home, name="home"),
    path("imports/<int:pk>/", views.batch_page, name="batch"),
    path("imports/<int:pk>/valider/", views.confirm, name="confirm"),
    path("imports/<int:pk>/colonnes/", views.remap, name="remap"),
    path("imports/<int:pk>/relancer/", views.retry, name="retry"),
    path("imports/<int:pk>/rejets.csv", views.errors_csv, name="errors_csv"),
]
