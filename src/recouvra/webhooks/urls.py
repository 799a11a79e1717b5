from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("parametres/api/webhooks/", views.endpoint_list, name="endpoints"),
    path("parametres/api/webhooks/nouveau/", views.endpoint_create, name="endpoint_create"),
    path("parametres/api/webhooks/<int:pk>/", views.endpoint, name="endpoint"),
    path("parametres/api/webhooks/<int:pk>/modifier/", views.endpoint_edit, name="endpoint_edit"),
    path("parametres/api/webhooks/<int:pk>/secret/", views.endpoint_rotate, name="endpoint_rotate"),
    path(
        "parametres/api/webhooks/<int:pk>/activer/", views.endpoint_enable, name="endpoint_enable"
    ),
    path(
        "parametres/api/webhooks/<int:pk>/desactiver/",
        views.endpoint_disable,
        name="endpoint_disable",
    ),
    path(
        "parametres/api/webhooks/<int:pk>/supprimer/",
        views.endpoint_delete,
        name="endpoint_delete",
    ),
    path("parametres/api/webhooks/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path(
        "parametres/api/webhooks/messages/<int:pk>/rejouer/",
        views.event_replay,
        name="event_replay",
    ),
]
