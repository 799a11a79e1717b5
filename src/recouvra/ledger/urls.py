from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("creanciers/", views.CreditorListView.as_view(), name="creditor_list"),
    path("creanciers/nouveau/", views.CreditorEditView.as_view(), name="creditor_add"),
    path("creanciers/<int:pk>/", views.CreditorView.as_view(), name="creditor"),
    path("creanciers/<int:pk>/modifier/", views.CreditorEditView.as_view(), name="creditor_edit"),
    path(
        "creanciers/<int:pk>/supprimer/", views.CreditorDeleteView.as_view(), name="creditor_delete"
    ),
    path("debiteurs/", views.DebtorListView.as_view(), name="debtor_list"),
    path("debiteurs/nouveau/", views.DebtorEditView.as_view(), name="debtor_add"),
    path("debiteurs/<int:pk>/", views.DebtorView.as_view(), name="debtor"),
    path("debiteurs/<int:pk>/modifier/", views.DebtorEditView.as_view(), name="debtor_edit"),
    path("debiteurs/<int:pk>/contacts/", views.add_contact, name="add_contact"),
    path("debiteurs/<int:pk>/supprimer/", views.DebtorDeleteView.as_view(), name="debtor_delete"),
    path("creances/", views.ClaimListView.as_view(), name="claim_list"),
    path("creances/nouvelle/", views.ClaimEditView.as_view(), name="claim_add"),
    path("creances/<int:pk>/", views.ClaimView.as_view(), name="claim"),
    path("creances/<int:pk>/modifier/", views.ClaimEditView.as_view(), name="claim_edit"),
    path("creances/<int:pk>/supprimer/", views.ClaimDeleteView.as_view(), name="claim_delete"),
]
