from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("dossiers/", views.CaseListView.as_view(), name="case_list"),
    path("dossiers/<int:pk>/", views.CaseView.as_view(), name="case"),
    path("dossiers/<int:pk>/modifier/", views.CaseEditView.as_view(), name="case_edit"),
    path("dossiers/<int:pk>/echanges/", views.add_interaction, name="add_interaction"),
    path("taches/", views.tasks, name="tasks"),
    path("taches/<int:pk>/fait/", views.task_done, name="task_done"),
    path(
        "echanges/<int:pk>/piece-jointe/",
        views.interaction_attachment,
        name="interaction_attachment",
    ),
]
