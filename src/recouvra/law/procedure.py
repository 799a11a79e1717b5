"""Which court procedure fits a claim: a ranked, explained list of routes.

Six routes are considered (FACTS §6): the procédure simplifiée de recouvrement des
petites créances (CPCE L125-1), the injonction de payer (CPC 1405 ff.), the
référé-provision (CPC 835 al. 2 / 873 al. 2), the assignation au fond, and, for a debtor
in another Member State only, the European order for payment (Reg. 1896/2006) and the
European small claims procedure (Reg. 861/2007).

Each route comes back as a `Recommendation` with short French reasons citing the text
applied, so the UI can explain both why a route fits and why it does not. Every amount
threshold is read from data/thresholds.csv; none is written here.

Simplifications, all stated in docs/law.md:
- `amount_cents` is the value of the claim in the sense of CPC 35-37: principal plus
  interest due, costs excluded; the claim is assumed to have a determined amount and a
  contractual or statutory cause (an unpaid invoice);
- `debtor_is_professional` stands for "trader or commercial company sued for its trade",
  which makes the claim commercial (C. com. L721-3);
- `disputed` means seriously disputed ("contestation sérieuse").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .money import format_amount
from .tables import threshold_cents, threshold_count

PETITES_CREANCES = "petites_creances"
INJONCTION_DE_PAYER = "injonction_de_payer"
REFERE_PROVISION = "refere_provision"
ASSIGNATION_AU_FOND = "assignation_au_fond"
EUROPEAN_ORDER_FOR_PAYMENT = "european_order_for_payment"
EUROPEAN_SMALL_CLAIMS = "european_small_claims"

LABELS = {
    PETITES_CREANCES: "Procédure simplifiée de recouvrement des petites créances",
    INJONCTION_DE_PAYER: "Injonction de payer",
    REFERE_PROVISION: "Référé-provision",
    ASSIGNATION_AU_FOND: "Assignation au fond",
    EUROPEAN_ORDER_FOR_PAYMENT: "Injonction de payer européenne",
    EUROPEAN_SMALL_CLAIMS: "Procédure européenne de règlement des petits litiges",
}

TRIBUNAL_DE_COMMERCE = "Tribunal de commerce"
TRIBUNAL_DE_COMMERCE_PRESIDENT = "Tribunal de commerce (président)"
TRIBUNAL_JUDICIAIRE = "Tribunal judiciaire"
TRIBUNAL_JUDICIAIRE_PRESIDENT = "Tribunal judiciaire (président)"
COMMISSAIRE_DE_JUSTICE = "Commissaire de justice (pas de juge)"
EU_COURT = "Juridiction compétente d'un État membre (Règl. (UE) 1215/2012)"


@dataclass(frozen=True)
class Recommendation:
    """One route for a claim, whether it fits, and why (reasons in French)."""

    procedure: str
    label: str
    suitable: bool
    reasons: tuple[str, ...]
    court: str
    lawyer_mandatory: bool
    prior_amicable_attempt_required: bool
    articles: tuple[str, ...]


@dataclass(frozen=True)
class _Claim:
    amount_cents: int
    interest_cents: int
    debtor_is_professional: bool
    disputed: bool
    creditor_is_professional: bool
    debtor_abroad: bool

    @property
    def commercial(self) -> bool:
        # C. com. L721-3: the tribunal de commerce hears disputes between traders and
        # about commercial companies; a trader sued for its trade is sued there.
        return self.debtor_is_professional


@dataclass
class _Draft:
    """Reasons and articles collected while a route is examined.

    Reasons that rule the route out come first, so the UI can show why it does not fit.
    """

    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)

    @property
    def suitable(self) -> bool:
        return not self.blockers

    @property
    def reasons(self) -> tuple[str, ...]:
        return (*self.blockers, *self.notes)

    def add(self, reason: str, *articles: str) -> None:
        self.notes.append(reason)
        self._cite(articles)

    def refuse(self, reason: str, *articles: str) -> None:
        self.blockers.append(reason)
        self._cite(articles)

    def _cite(self, articles: tuple[str, ...]) -> None:
        self.articles.extend(a for a in articles if a not in self.articles)


def recommend_procedure(
    amount_cents: int,
    *,
    debtor_is_professional: bool,
    disputed: bool,
    creditor_is_professional: bool = True,
    debtor_abroad: bool = False,
    interest_cents: int = 0,
) -> list[Recommendation]:
    """Every route that applies, suitable ones first (best first), then the others.

    `amount_cents` is principal plus interest; `interest_cents` is the part of it that
    is interest, used only for the European small claims ceiling, which excludes
    interest. The European routes are listed only when `debtor_abroad` is true.
    """
    claim = _claim(
        amount_cents,
        interest_cents,
        debtor_is_professional=debtor_is_professional,
        disputed=disputed,
        creditor_is_professional=creditor_is_professional,
        debtor_abroad=debtor_abroad,
    )
    routes = [
        _injonction_de_payer(claim),
        _petites_creances(claim),
        _refere_provision(claim),
        _assignation_au_fond(claim),
    ]
    if claim.debtor_abroad:
        routes = [_european_order_for_payment(claim), _european_small_claims(claim), *routes]
    # Stable sort: suitable routes keep the preference order above, then the others.
    return sorted(routes, key=lambda r: not r.suitable)


def _claim(amount_cents: int, interest_cents: int, **flags: bool) -> _Claim:
    for name, value in (("amount_cents", amount_cents), ("interest_cents", interest_cents)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be int cents, got {value!r}")
    if amount_cents <= 0:
        raise ValueError(f"the claim must be a positive amount, got {amount_cents} cents")
    if not 0 <= interest_cents <= amount_cents:
        raise ValueError(
            f"interest_cents must be between 0 and amount_cents, got {interest_cents}",
        )
    return _Claim(amount_cents, interest_cents, **flags)


def _euros(cents: int) -> str:
    """5 000 € for whole euros, 5 000,50 € otherwise (French typography)."""
    text = format_amount(cents)
    return text.replace(",00\u00a0", "\u00a0")


def _finish(code: str, draft: _Draft, court: str, lawyer: bool, prior: bool) -> Recommendation:
    return Recommendation(
        procedure=code,
        label=LABELS[code],
        suitable=draft.suitable,
        reasons=draft.reasons,
        court=court,
        lawyer_mandatory=lawyer,
        prior_amicable_attempt_required=prior,
        articles=tuple(draft.articles),
    )


# --- shared rules for the routes before a French judge -----------------------------------


def _court_reason(claim: _Claim, draft: _Draft) -> None:
    if claim.commercial:
        draft.add(
            "Débiteur commerçant ou société commerciale : tribunal de commerce ; "
            "profession libérale ou société civile : tribunal judiciaire (C. com. L721-3).",
            "C. com. L721-3",
        )
        if not claim.creditor_is_professional:
            draft.add(
                "Créancier non commerçant : il peut aussi saisir le tribunal judiciaire "
                "(option de compétence, jurisprudence ; C. com. L721-3).",
            )
    else:
        draft.add(
            "Débiteur non professionnel : tribunal judiciaire ; crédit à la consommation "
            "ou bail d'habitation : juge des contentieux de la protection "
            "(COJ L213-4-1 et s.).",
            "COJ L213-4-1",
        )


def _lawyer_rule(claim: _Claim) -> tuple[int, str]:
    """The ceiling up to which parties may act without an avocat, and its article."""
    if claim.commercial:
        # CPC 853: representation by an avocat before the tribunal de commerce, except
        # claims up to the threshold (also before its president in référé).
        return threshold_cents("lawyer_mandatory_above_tribunal_commerce"), "CPC 853"
    # CPC 760-761: representation by an avocat before the tribunal judiciaire, except
    # claims up to the threshold and the JCP's matters.
    return threshold_cents("lawyer_mandatory_above_tribunal_judiciaire"), "CPC 760-761"


def _lawyer_mandatory(claim: _Claim, draft: _Draft) -> bool:
    """Adversarial routes: is an avocat mandatory before the court that hears the claim?"""
    ceiling, article = _lawyer_rule(claim)
    if claim.amount_cents > ceiling:
        exception = "" if claim.commercial else ", sauf matières du juge des contentieux"
        draft.add(
            f"Demande > {_euros(ceiling)} : avocat obligatoire{exception} ({article}).",
            article,
        )
        return True
    draft.add(f"Demande ≤ {_euros(ceiling)} : avocat non obligatoire ({article}).", article)
    return False


def _prior_attempt_required(claim: _Claim, draft: _Draft, *, urgency: bool = False) -> bool:
    """CPC 750-1: conciliation, mediation or procédure participative first?"""
    ceiling = threshold_cents("cpc_750_1_prior_amicable_attempt_ceiling")
    if claim.amount_cents > ceiling:
        return False
    if claim.commercial:
        # CPC 750-1 applies before the tribunal judiciaire only.
        draft.add(
            "Devant le tribunal de commerce, pas de tentative amiable préalable "
            "obligatoire (CPC 750-1 ne vise que le tribunal judiciaire).",
            "CPC 750-1",
        )
        return False
    # CPC 750-1: below the ceiling, a claim before the tribunal judiciaire is
    # inadmissible unless preceded by conciliation, mediation or procédure participative.
    unless = " ; l'urgence peut en dispenser" if urgency else ""
    draft.add(
        f"Demande ≤ {_euros(ceiling)} devant le tribunal judiciaire : conciliation, "
        f"médiation ou procédure participative préalable obligatoire, à peine "
        f"d'irrecevabilité{unless} (CPC 750-1).",
        "CPC 750-1",
    )
    return True


def _abroad_caution(claim: _Claim, draft: _Draft) -> None:
    if claim.debtor_abroad:
        draft.add(
            "Débiteur à l'étranger : vérifier la compétence des juridictions françaises "
            "(Règl. (UE) 1215/2012) ; les procédures européennes sont souvent plus simples.",
            "Règl. (UE) 1215/2012",
        )


# --- the routes --------------------------------------------------------------------------


def _petites_creances(claim: _Claim) -> Recommendation:
    draft = _Draft()
    ceiling = threshold_cents("petites_creances_ceiling")
    # CPCE R125-1: claims up to the ceiling, principal and interest.
    if claim.amount_cents <= ceiling:
        draft.add(
            f"Créance ≤ {_euros(ceiling)} en principal et intérêts (CPCE R125-1).",
            "CPCE R125-1",
        )
    else:
        draft.refuse(
            f"Créance > {_euros(ceiling)} en principal et intérêts : hors plafond (CPCE R125-1).",
            "CPCE R125-1",
        )
    # CPCE L125-1: run by a commissaire de justice, no judge; it only yields a title if
    # the debtor accepts (silence within the delay is a refusal).
    months = threshold_count("petites_creances_debtor_answer_months")
    if claim.disputed:
        draft.refuse(
            "Le débiteur doit accepter la procédure : une créance contestée rend "
            "l'accord improbable (CPCE L125-1).",
            "CPCE L125-1",
        )
    else:
        draft.add(
            f"Sans juge : le débiteur a {months} mois pour accepter, son silence vaut "
            "refus ; en cas d'accord, le commissaire de justice délivre un titre "
            "exécutoire (CPCE L125-1).",
            "CPCE L125-1",
        )
    if claim.debtor_abroad:
        # CPCE R125-1: the commissaire de justice of the debtor's domicile in France.
        draft.refuse(
            "Débiteur à l'étranger : le commissaire de justice compétent est celui du "
            "domicile du débiteur en France (CPCE R125-1).",
        )
    return _finish(PETITES_CREANCES, draft, COMMISSAIRE_DE_JUSTICE, False, False)


def _injonction_de_payer(claim: _Claim) -> Recommendation:
    draft = _Draft()
    # CPC 1405: determined amount, contractual or statutory cause.
    draft.add(
        "Créance d'un montant déterminé, de cause contractuelle ou statutaire (CPC 1405).",
        "CPC 1405",
    )
    if claim.disputed:
        # CPC 1416: the debtor's opposition sends the case to an adversarial hearing.
        draft.refuse(
            "Créance contestée : l'opposition du débiteur (CPC 1416) mènerait à un procès "
            "au fond ; mieux vaut assigner directement.",
            "CPC 1416",
        )
    # CPC 1407: the request is made by the creditor or any representative, no avocat;
    # CPC 750-1: a non-adversarial decision is exempt from the prior amicable attempt.
    draft.add(
        "Requête sur pièces, sans débat : ni avocat (CPC 1407) ni tentative amiable "
        "préalable (exemption de l'art. 750-1 CPC).",
        "CPC 1407",
        "CPC 750-1",
    )
    _court_reason(claim, draft)
    ceiling, article = _lawyer_rule(claim)
    if claim.amount_cents > ceiling:
        draft.add(
            f"En cas d'opposition, l'affaire est jugée au fond : avocat obligatoire "
            f"au-delà de {_euros(ceiling)} ({article}).",
            article,
        )
    _abroad_caution(claim, draft)
    court = TRIBUNAL_DE_COMMERCE_PRESIDENT if claim.commercial else TRIBUNAL_JUDICIAIRE
    return _finish(INJONCTION_DE_PAYER, draft, court, False, False)


def _refere_provision(claim: _Claim) -> Recommendation:
    draft = _Draft()
    # CPC 835 al. 2 (TJ) / 873 al. 2 (TC): a provision only if the obligation is not
    # seriously disputable.
    article = "CPC 873 al. 2" if claim.commercial else "CPC 835 al. 2"
    if claim.disputed:
        draft.refuse(
            f"Contestation sérieuse : le juge des référés ne peut pas accorder de "
            f"provision ({article}).",
            article,
        )
    else:
        draft.add(
            f"Créance non sérieusement contestable : provision accordée rapidement, "
            f"ordonnance exécutoire à titre provisoire ({article} ; CPC 489).",
            article,
            "CPC 489",
        )
    _court_reason(claim, draft)
    lawyer = _lawyer_mandatory(claim, draft)
    prior = _prior_attempt_required(claim, draft, urgency=True)
    _abroad_caution(claim, draft)
    court = TRIBUNAL_DE_COMMERCE_PRESIDENT if claim.commercial else TRIBUNAL_JUDICIAIRE_PRESIDENT
    return _finish(REFERE_PROVISION, draft, court, lawyer, prior)


def _assignation_au_fond(claim: _Claim) -> Recommendation:
    draft = _Draft()
    # CPC 750: the ordinary action, by writ served by a commissaire de justice.
    if claim.disputed:
        draft.add(
            "Créance contestée : seul le juge du fond peut trancher la contestation "
            "(assignation, CPC 750).",
            "CPC 750",
        )
    else:
        draft.add(
            "Toujours possible (assignation, CPC 750), mais plus long et plus coûteux que "
            "l'injonction de payer ou le référé-provision.",
            "CPC 750",
        )
    _court_reason(claim, draft)
    lawyer = _lawyer_mandatory(claim, draft)
    prior = _prior_attempt_required(claim, draft)
    # COJ R211-3-24 (TJ) / C. com. R721-6 (TC): no appeal on small claims.
    last_resort = threshold_cents("appeal_threshold_taux_de_ressort")
    if claim.amount_cents <= last_resort:
        article = "C. com. R721-6" if claim.commercial else "COJ R211-3-24"
        draft.add(
            f"Demande ≤ {_euros(last_resort)} : jugement en dernier ressort, sans appel "
            f"({article}).",
            article,
        )
    _abroad_caution(claim, draft)
    court = TRIBUNAL_DE_COMMERCE if claim.commercial else TRIBUNAL_JUDICIAIRE
    return _finish(ASSIGNATION_AU_FOND, draft, court, lawyer, prior)


def _cross_border_reason(draft: _Draft, regulation: str) -> None:
    # Both regulations: cross-border cases only, Denmark excluded (art. 2 and 3).
    draft.add(
        f"Litige transfrontière : débiteur domicilié dans un autre État membre de l'UE, "
        f"hors Danemark ({regulation} art. 2-3).",
        regulation,
    )


def _european_order_for_payment(claim: _Claim) -> Recommendation:
    draft = _Draft()
    regulation = "Règl. (CE) 1896/2006"
    _cross_border_reason(draft, regulation)
    if claim.disputed:
        draft.refuse(
            f"Réservée aux créances non contestées : l'opposition du débiteur (30 jours) "
            f"renvoie à la procédure ordinaire ({regulation} art. 16-17).",
        )
    else:
        draft.add(
            f"Créance pécuniaire non contestée, sans plafond ; injonction exécutoire dans "
            f"l'UE sans exequatur ({regulation} art. 19).",
        )
    # Reg. 1896/2006 art. 24: representation by a lawyer is not mandatory.
    draft.add(f"Avocat non obligatoire ({regulation} art. 24).")
    return _finish(EUROPEAN_ORDER_FOR_PAYMENT, draft, EU_COURT, False, False)


def _european_small_claims(claim: _Claim) -> Recommendation:
    draft = _Draft()
    regulation = "Règl. (CE) 861/2007"
    _cross_border_reason(draft, regulation)
    # Reg. 861/2007 art. 2 (as amended by Reg. 2015/2421): ceiling excluding interest.
    ceiling = threshold_cents("european_small_claims_ceiling")
    principal = claim.amount_cents - claim.interest_cents
    if principal <= ceiling:
        draft.add(
            f"Demande ≤ {_euros(ceiling)} hors intérêts et frais ({regulation} art. 2, "
            "mod. Règl. (UE) 2015/2421).",
            "Règl. (UE) 2015/2421",
        )
    else:
        draft.refuse(
            f"Demande > {_euros(ceiling)} hors intérêts et frais : hors plafond "
            f"({regulation} art. 2, mod. Règl. (UE) 2015/2421).",
            "Règl. (UE) 2015/2421",
        )
    if claim.disputed:
        draft.add(
            f"Procédure écrite contradictoire : convient aussi à une créance contestée "
            f"({regulation} art. 5).",
        )
    draft.add(
        f"Avocat non obligatoire ({regulation} art. 10) ; jugement exécutoire dans l'UE "
        f"sans exequatur (art. 20).",
    )
    return _finish(EUROPEAN_SMALL_CLAIMS, draft, EU_COURT, False, False)
