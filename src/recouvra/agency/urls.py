from django.urls import path

from . import views

app_name = "agency"

urlpatterns = [
    path("mandants/mandats/", views.mandates, name="mandates"),
    path("mandants/mandats/nouveau/", views.MandateEditView.as_view(), name="mandate_add"),
    path("mandants/mandats/<int:pk>/", views.MandateEditView.as_view(), name="mandate_edit"),
    path("mandants/compte/", views.trust, name="trust"),
    path("mandants/compte/regularisation/", views.adjust, name="adjust"),
    path("mandants/a-reverser/", views.due_soon, name="due_soon"),
    path("mandants/reversements/", views.remittances, name="remittances"),
    path("mandants/reversements/<int:pk>/", views.remittance, name="remittance"),
    path("mandants/reversements/<int:pk>/releve.pdf", views.statement_pdf, name="statement_pdf"),
    path("mandants/factures/<int:pk>/facture.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("mandants/virements/<int:pk>/pain001.xml", views.batch_file, name="batch_file"),
    path("mandants/virements/<int:pk>/transmis/", views.batch_sent, name="batch_sent"),
    path("espace-mandant/", views.mandant_home, name="mandant_home"),
]
