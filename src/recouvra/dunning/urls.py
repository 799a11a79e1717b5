from django.urls import path

from . import case_messages, views

app_name = "dunning"

urlpatterns = [
    path("relances/scenarios/", views.scenarios, name="scenarios"),
    path("relances/scenarios/nouveau/", views.ScenarioEditView.as_view(), name="scenario_add"),
    path("relances/scenarios/<int:pk>/", views.ScenarioView.as_view(), name="scenario"),
    path(
        "relances/scenarios/<int:pk>/modifier/",
        views.ScenarioEditView.as_view(),
        name="scenario_edit",
    ),
    path(
        "relances/scenarios/<int:scenario_pk>/etapes/nouvelle/",
        views.StepEditView.as_view(),
        name="step_add",
    ),
    path("relances/etapes/<int:pk>/modifier/", views.StepEditView.as_view(), name="step_edit"),
    path("relances/modeles/nouveau/", views.TemplateEditView.as_view(), name="template_add"),
    path(
        "relances/modeles/<int:pk>/modifier/",
        views.TemplateEditView.as_view(),
        name="template_edit",
    ),
    path("relances/passage/", views.run_page, name="run"),
    path("relances/messages/", views.outbox, name="outbox"),
    path("relances/messages/<int:pk>/renvoyer/", views.resend, name="resend"),
    path("relances/messages/<int:pk>/courrier/", views.message_document, name="document"),
    path("relances/messages/<int:pk>/recommande/", views.delivery_form, name="delivery"),
    path("relances/courriers/", views.letters, name="letters"),
    path("relances/courriers/lots/<int:pk>/", views.batch_document, name="batch"),
    path("relances/modeles/apercu/", views.preview, name="preview"),
    path("relances/retours/", views.delivery_report, name="delivery_report"),
    path("relances/affectation/<str:kind>/<int:pk>/", views.assign, name="assign"),
    path(
        "relances/dossiers/<int:pk>/<str:channel>/",
        case_messages.case_message,
        name="case_message",
    ),
]
