"""The claim fields a CSV/XLSX column can be mapped to, with their French labels."""

FIELD_LABELS = {
    "reference": "N° de facture",
    "issue_date": "Date de facture",
    "due_date": "Échéance",
    "amount_cents": "Montant dû",
    "currency": "Devise",
    "debtor_name": "Client (nom)",
    "debtor_siren": "SIREN / SIRET du client",
    "debtor_vat": "N° TVA du client",
    "debtor_account": "Code client",
}
