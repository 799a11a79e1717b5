"""The reasons a direct debit comes back (R-transactions), in French.

ISO 20022 external return/reject reason codes (ExternalReturnReason1Code, the codes the
EPC's SEPA Direct Debit Core rulebook lets banks use in pacs.004/pacs.002 and that come
back in camt.053/camt.054 RtrInf/Rsn/Cd). A CFONB 120 statement gives its own two-character
"code motif de rejet" (positions 41-42 of the 04 record, CFONB's interbank list of reject
and return reasons): it is kept as written and shown with its number, the bank's label of
the line beside it.
"""

from __future__ import annotations

ISO_REASONS = {
    "AC01": "numéro de compte erroné (IBAN invalide)",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AC13": "compte d'un consommateur (prélèvement interentreprises refusé)",
    "AG01": "opération interdite sur ce type de compte",
    "AG02": "code opération erroné",
    "AM04": "provision insuffisante",
    "AM05": "opération en double",
    "BE05": "créancier non reconnu",
    "CNOR": "banque du créancier non joignable",
    "DNOR": "banque du débiteur non joignable",
    "FF01": "format de fichier invalide",
    "MD01": "pas de mandat",
    "MD02": "informations du mandat manquantes ou erronées",
    "MD06": "remboursement demandé par le débiteur (opération autorisée)",
    "MD07": "débiteur décédé",
    "MS02": "refus du débiteur",
    "MS03": "motif non communiqué par la banque",
    "RC01": "BIC erroné",
    "RR01": "identification du débiteur manquante (réglementaire)",
    "RR02": "nom ou adresse du débiteur manquant (réglementaire)",
    "RR03": "nom ou adresse du créancier manquant (réglementaire)",
    "RR04": "raison réglementaire",
    "SL01": "service spécifique de la banque du débiteur (opposition, liste blanche ou noire)",
    "FOCR": "retour à la suite d'une demande d'annulation",
    "DUPL": "opération en double",
}

# the reasons that mean the mandate cannot be used again as it is
MANDATE_ENDING = {"AC01", "AC04", "MD01", "MD07"}


def reason_label(code: str, bank_text: str = "") -> str:
    """ "AM04 — provision insuffisante", or for a code we do not know (a CFONB motif, a
    proprietary one) the code and what the bank wrote."""
    code = code.strip().upper()
    known = ISO_REASONS.get(code)
    if known:
        label = f"{code} — {known}"
    elif code:
        label = f"{code} — {bank_text}" if bank_text else f"motif {code}"
    else:
        label = bank_text or "motif non précisé"
    return label[:200]
