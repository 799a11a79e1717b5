"""Demo scenarios: a French B2B scenario (the default) and a consumer one."""

from __future__ import annotations

from recouvra.core.models import Organization
from recouvra.dunning.models import After, Assignment, Channel, Scenario, Step, Template
from recouvra.ledger.models import Debtor, DebtorKind

FRIENDLY = """Bonjour,

Sauf erreur ou omission de notre part, les factures suivantes de {{ creditor.name }} restent \
impayées à ce jour :
{% for claim in claims %}
- {{ claim.reference }} du {{ claim.issue_date }}, échue le {{ claim.due_date }} : \
{{ claim.principal }}{% endfor %}

Il s'agit peut-être d'un simple oubli. Merci de bien vouloir régler {{ total }} avant le \
{{ deadline }}, par virement{% if creditor.iban %} sur le compte {{ creditor.iban }}{% endif %} \
en indiquant les numéros de facture.

Si votre règlement est déjà parti, merci de ne pas tenir compte de ce message. Pour toute \
question, ou pour convenir d'un échéancier, répondez simplement à cet e-mail.

Cordialement,
{{ agent.name|default:creditor.name }}"""

FIRMER = """Bonjour,

Malgré notre précédent rappel, les sommes suivantes restent dues à {{ creditor.name }} :
{% for claim in claims %}
- {{ claim.reference }}, échue le {{ claim.due_date }} ({{ claim.days_late }} jours de retard) : \
principal {{ claim.principal }}{% if claim.interest != "0,00 €" %}, intérêts {{ claim.interest }}\
{% endif %}{% if claim.fees != "0,00 €" %}, indemnité de recouvrement {{ claim.fees }}{% endif %}\
{% endfor %}

Total dû au {{ today }} : {{ total }}{% if rate_to_confirm %} (intérêts calculés avec un taux \
à confirmer){% endif %}.

Nous vous demandons de régler cette somme avant le {{ deadline }}. Sans règlement ni nouvelle \
de votre part, nous vous adresserons une mise en demeure.

{{ agent.name|default:creditor.name }}"""

SMS = """{{ creditor.name }} : {{ claims|length }} facture(s) impayée(s), {{ total }} dus. \
Merci de régler avant le {{ deadline }} ou de nous contacter. Réf. {{ case.reference }}"""

NOTICE_B2B = """MISE EN DEMEURE

Objet : mise en demeure de payer — dossier {{ case.reference }}

Madame, Monsieur,

Nos relances étant restées sans effet, nous vous mettons en demeure de payer à \
{{ creditor.name }}, au plus tard le {{ deadline }}, la somme de {{ total }} détaillée ci-dessous :
{% for claim in claims %}
- facture {{ claim.reference }} du {{ claim.issue_date }}, échue le {{ claim.due_date }} : \
principal {{ claim.principal }}, pénalités de retard {{ claim.interest }}, indemnité forfaitaire \
pour frais de recouvrement {{ claim.fees }}{% endfor %}

Les pénalités de retard courent de plein droit au taux prévu par l'article L441-10 du code de \
commerce, et chaque facture payée en retard ouvre droit à l'indemnité forfaitaire de 40 euros \
pour frais de recouvrement (articles L441-10 et D441-5 du code de commerce).

À défaut de paiement dans ce délai, nous saisirons la juridiction compétente sans autre avis.

{{ creditor.name }}"""

NOTICE_B2C = """MISE EN DEMEURE

Objet : mise en demeure de payer — dossier {{ case.reference }}

Madame, Monsieur,

Nos relances étant restées sans effet, nous vous mettons en demeure de payer à \
{{ creditor.name }}, au plus tard le {{ deadline }}, la somme de {{ total }} :
{% for claim in claims %}
- facture {{ claim.reference }} du {{ claim.issue_date }}, échue le {{ claim.due_date }} : \
{{ claim.principal }}{% endfor %}

La présente mise en demeure fait courir les intérêts au taux légal (article 1231-6 du code \
civil). Aucun frais de recouvrement ne peut vous être réclamé (article L111-8 du code des \
procédures civiles d'exécution).

Si vous rencontrez des difficultés, contactez-nous : un échéancier peut être convenu. À défaut \
de paiement ou d'accord dans ce délai, nous pourrons engager une procédure judiciaire.

{{ creditor.name }}"""


def add_scenarios(org: Organization) -> dict[str, int]:
    """The two demo scenarios and their templates; consumers follow the second."""
    templates = {
        key: Template.objects.create(
            organization=org, name=name, channel=channel, subject=subject, body=body
        )
        for key, name, channel, subject, body in (
            (
                "friendly",
                "Rappel amical",
                Channel.EMAIL,
                "Factures échues — {{ creditor.name }}",
                FRIENDLY,
            ),
            (
                "firmer",
                "Deuxième relance",
                Channel.EMAIL,
                "Relance : {{ total }} restent dus à {{ creditor.name }}",
                FIRMER,
            ),
            ("sms", "Rappel SMS", Channel.SMS, "", SMS),
            (
                "notice_b2b",
                "Mise en demeure (entreprise)",
                Channel.REGISTERED,
                "Mise en demeure — {{ case.reference }}",
                NOTICE_B2B,
            ),
            (
                "notice_b2c",
                "Mise en demeure (particulier)",
                Channel.REGISTERED,
                "Mise en demeure — {{ case.reference }}",
                NOTICE_B2C,
            ),
        )
    }
    b2b = _scenario(
        org,
        "Entreprises (B2B)",
        "Rappel courtois, relance ferme, appel, puis mise en demeure en recommandé avec les "
        "pénalités L441-10 et l'indemnité de 40 €.",
        True,
        [
            ("Rappel amical", 5, After.DUE_DATE, Channel.EMAIL, templates["friendly"], False),
            ("Deuxième relance", 15, After.DUE_DATE, Channel.EMAIL, templates["firmer"], False),
            ("Appel du débiteur", 7, After.PREVIOUS, Channel.CALL, None, False),
            (
                "Mise en demeure",
                45,
                After.DUE_DATE,
                Channel.REGISTERED,
                templates["notice_b2b"],
                True,
            ),
            ("Proposition de contentieux", 15, After.PREVIOUS, Channel.ESCALATION, None, False),
        ],
    )
    b2c = _scenario(
        org,
        "Particuliers (B2C)",
        "Rappels par e-mail et SMS en journée, appel, puis mise en demeure sans frais (L111-8 "
        "CPCE), intérêts au taux légal à compter de sa réception.",
        False,
        [
            ("Rappel amical", 7, After.DUE_DATE, Channel.EMAIL, templates["friendly"], False),
            ("Rappel SMS", 7, After.PREVIOUS, Channel.SMS, templates["sms"], False),
            ("Appel", 10, After.PREVIOUS, Channel.CALL, None, False),
            (
                "Mise en demeure",
                45,
                After.DUE_DATE,
                Channel.REGISTERED,
                templates["notice_b2c"],
                True,
            ),
            ("Visite d'un encaisseur", 20, After.PREVIOUS, Channel.VISIT, None, False),
        ],
    )
    people = Debtor.objects.filter(organization=org, kind=DebtorKind.PERSON)
    Assignment.objects.bulk_create(
        Assignment(organization=org, scenario=b2c, debtor_id=pk)
        for pk in people.values_list("pk", flat=True)
    )
    return {
        "scénarios": 2,
        "modèles": len(templates),
        "étapes": b2b.steps.count() + b2c.steps.count(),
    }


def _scenario(
    org: Organization, name: str, description: str, default: bool, steps: list
) -> Scenario:
    scenario = Scenario.objects.create(
        organization=org, name=name, description=description, is_default=default
    )
    Step.objects.bulk_create(
        Step(
            organization=org,
            scenario=scenario,
            position=position,
            name=step_name,
            delay_days=days,
            after=after,
            channel=channel,
            template=template,
            is_formal_notice=notice,
        )
        for position, (step_name, days, after, channel, template, notice) in enumerate(steps, 1)
    )
    return scenario
