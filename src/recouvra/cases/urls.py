from django.urls import path

from . import plan_views, views

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
    # promises and payment plans (cases.plan_views)
    path("dossiers/<int:pk>/promesse/", plan_views.promise_new, name="promise_new"),
    path("dossiers/<int:pk>/echeancier/", plan_views.plan_new, name="plan_new"),
    path("dossiers/<int:pk>/echeancier/apercu/", plan_views.plan_preview, name="plan_preview"),
    path("echeanciers/<int:pk>/", plan_views.plan, name="plan"),
    path("echeanciers/<int:pk>/annuler/", plan_views.plan_cancel, name="plan_cancel"),
]
