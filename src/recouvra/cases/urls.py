from django.urls import path

from . import dispute_views, plan_views, queue_views, views, workbench_views

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
    # the workbench: the timeline and the quick actions of the case page
    path("dossiers/<int:pk>/historique/", workbench_views.timeline, name="timeline"),
    path("dossiers/<int:pk>/appel/", workbench_views.log_call, name="log_call"),
    path("dossiers/<int:pk>/note/", workbench_views.add_note, name="add_note"),
    path("dossiers/<int:pk>/prochaine-action/", workbench_views.next_action, name="next_action"),
    path("dossiers/<int:pk>/visite/", workbench_views.request_visit, name="request_visit"),
    path("dossiers/<int:pk>/contentieux/", workbench_views.escalate, name="escalate"),
    path("echanges/<int:pk>/corriger/", workbench_views.correct, name="correct"),
    # work queues
    path("file/", queue_views.queue_page, name="queue"),
    path("file/suivant/", queue_views.next_case, name="next_case"),
    path("dossiers/reattribuer/", queue_views.reassign, name="reassign"),
    path("parametres/attribution/", queue_views.assignment_rules, name="assignment_rules"),
    path(
        "parametres/attribution/nouvelle/",
        queue_views.assignment_rule_edit,
        name="assignment_rule_new",
    ),
    path(
        "parametres/attribution/<int:pk>/",
        queue_views.assignment_rule_edit,
        name="assignment_rule_edit",
    ),
    path(
        "parametres/attribution/<int:pk>/deplacer/",
        queue_views.assignment_rule_move,
        name="assignment_rule_move",
    ),
    path(
        "parametres/attribution/<int:pk>/supprimer/",
        queue_views.assignment_rule_delete,
        name="assignment_rule_delete",
    ),
    path(
        "parametres/attribution/appliquer/",
        queue_views.assignment_apply,
        name="assignment_apply",
    ),
    # disputes
    path("litiges/", dispute_views.dispute_list, name="disputes"),
    path("litiges/<int:pk>/", dispute_views.dispute_page, name="dispute"),
    path("litiges/<int:pk>/clore/", dispute_views.dispute_resolve, name="dispute_resolve"),
    path(
        "litiges/<int:pk>/pieces/", dispute_views.dispute_document_add, name="dispute_document_add"
    ),
    path("litiges/pieces/<int:pk>/", dispute_views.dispute_document, name="dispute_document"),
    path("dossiers/<int:pk>/litige/", dispute_views.dispute_new, name="dispute_new"),
]
