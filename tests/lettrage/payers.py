"""A month of bank credits for one creditor, written from how French payers and banks behave.

This generator knows nothing of the matching engine. It models a creditor's ledger (debtors and
their invoices) and what reaches the creditor's bank account in one month: who sends the money,
what they type in the 140-character remittance field, what their bank and ours do to it, and
which credits have nothing to do with the open invoices. Every credit carries the truth (the
debtor, the invoices the payer meant to pay, the habit that produced it) so a test can grade a
matcher against it.

Pure Python, standard library only, deterministic from the seed.

    world = generate(seed=1)                       # benchmark size
    world = generate(seed=7, debtors=60, invoices=400, credits=80)   # test size

Sizes: ``debtors`` debtors, exactly ``invoices`` open invoices plus about one closed (fully paid)
invoice for every ten open ones, ``credits`` credits booked in ``month``, about 12 % of which pay
no open invoice. ``history`` holds the earlier payments of the closed and partly paid invoices.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

# --------------------------------------------------------------------------------------------
# The records


@dataclass(frozen=True)
class Debtor:
    key: str
    name: str  # as in the creditor's ledger
    iban: str  # the IBAN on file, "" when unknown (sometimes outdated)
    group: str  # parent group key, "" when independent


@dataclass(frozen=True)
class Invoice:
    key: str
    debtor: str
    reference: str  # the creditor's invoice number as printed
    issued_on: date
    due_on: date
    amount_cents: int
    paid_cents: int  # paid before the month; balance = amount - paid
    open: bool  # False: fully paid earlier, still listed


@dataclass(frozen=True)
class Credit:
    booking_on: date
    amount_cents: int
    label: str
    reference: str
    end_to_end_id: str
    mandate_reference: str
    counterparty_name: str
    counterparty_iban: str
    debtor: str | None
    invoices: tuple[str, ...]
    habit: str
    ours: bool


@dataclass
class World:
    debtors: list[Debtor]
    invoices: list[Invoice]
    credits: list[Credit]
    history: list[Credit] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The habits: name -> (share of the month's credits, pays our open invoices, amount is exactly
# the sum of the cited invoices' balances). Shares are targets; a habit a small world cannot
# produce (no public body, no group...) falls back to "exact_ref".

HABITS: dict[str, tuple[float, bool, bool]] = {
    # the payer cites our invoice number, written its own way
    "exact_ref": (0.270, True, True),
    "exact_ref_with_po": (0.040, True, True),  # plus the payer's own order number
    "typo_ref": (0.035, True, True),  # one digit wrong, swapped, missing or doubled
    # several invoices in one transfer, amount = their sum
    "refs_slash": (0.020, True, True),
    "refs_plus": (0.012, True, True),
    "refs_dash": (0.010, True, True),
    "refs_comma": (0.010, True, True),
    "refs_et": (0.008, True, True),
    "refs_space": (0.010, True, True),
    "refs_shortened": (0.015, True, True),  # "FA2026-08699 892" = FA2026-08699 and FA2026-08892
    "refs_cut_140": (0.015, True, True),  # so many references the 140 characters cut them
    # no reference
    "amount_only": (0.080, True, True),  # the exact amount of one invoice, only the name
    "settle_all": (0.015, True, True),  # every open invoice at once, "SOLDE COMPTE"
    "ref_in_end_to_end": (0.030, True, True),  # label says nothing, the E2E id is the invoice
    # not the full amount
    "partial_ref": (0.035, True, False),  # part of a cited invoice
    "instalment_no_ref": (0.030, True, False),  # round amount, undesignated (payment on account)
    "net_of_fees": (0.020, True, False),  # foreign payer, a few euros of bank charges deducted
    "net_of_discount": (0.020, True, False),  # 2 % early-payment discount deducted
    "minus_credit_note": (0.015, True, False),  # several invoices minus one of our credit notes
    # someone else pays
    "parent_pays": (0.030, True, True),
    "sister_pays": (0.015, True, True),
    "factor_pays": (0.020, True, True),
    "manager_pays": (0.020, True, True),  # "M OU MME DUPONT JEAN" from the personal account
    "treasury_pays": (0.045, True, True),  # DRFIP/DDFIP/DGFIP for public bodies
    "accountant_pays": (0.010, True, True),
    # not a transfer
    "direct_debit": (0.035, True, True),  # our own SEPA direct debit collected
    "cheque_single": (0.010, True, True),  # one cheque deposited, no name on the line
    # pays nothing of ours
    "refund_supplier": (0.025, False, False),  # a customer who is also a supplier refunds us
    "sister_company_invoice": (0.020, False, False),  # pays our sister company's invoice
    "duplicate": (0.015, False, False),  # second copy of a payment of the month
    "already_paid": (0.015, False, False),  # cites an invoice paid before the month
    "card_settlement": (0.010, False, False),
    "caf": (0.005, False, False),
    "urssaf": (0.005, False, False),
    "interest": (0.003, False, False),
    "insurance_refund": (0.005, False, False),
    "own_transfer": (0.007, False, False),  # between the creditor's own accounts
    "lookalike_round": (0.010, False, False),  # a near-namesake of a debtor, round amount
}

OURS_HABITS = frozenset(h for h, (_, ours, _) in HABITS.items() if ours)
EXACT_HABITS = frozenset(h for h, (_, _, exact) in HABITS.items() if exact)
NOT_OURS_SHARE = 0.12

# --------------------------------------------------------------------------------------------
# Names and places


def _words(text: str) -> list[str]:
    return text.split()


_SURNAMES = _words(
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas "
    "Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin "
    "Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier "
    "Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly "
    "Hervé Schneider Fernandez Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Cousin "
    "Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal "
    "Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne "
    "Grondin Poulain Tessier Chevallier Collin Chauvin Bouchet Gay Lemaître Bénard Maréchal "
    "Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy "
    "Delaunay Pasquier Carlier Laporte Tanguy Kerbrat Guillou"
) + ["Le Gall", "Le Goff", "Le Roux", "Le Floch"]

_FIRSTNAMES = _words(
    "Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Laurent Stéphane David Éric "
    "Frédéric Olivier Sébastien Thierry Julien Jean-Pierre Jean-Luc François Marie Nathalie "
    "Isabelle Sylvie Catherine Christine Sandrine Valérie Céline Sophie Anne Émilie Camille "
    "Hélène Marie-Claire Aurélie Mathieu Yann Gwenaël Maël Nolwenn Morgane Loïc"
)

_TRADES = (
    "Boulangerie",
    "Boulangerie-Pâtisserie",
    "Boucherie",
    "Garage",
    "Plomberie",
    "Électricité",
    "Menuiserie",
    "Maçonnerie",
    "Transports",
    "Taxi",
    "Ambulances",
    "Pharmacie",
    "Restaurant",
    "Hôtel",
    "Coiffure",
    "Fleurs",
    "Imprimerie",
    "Pressing",
    "Auto-école",
    "Charpente",
    "Couverture",
    "Peinture",
    "Carrosserie",
    "Paysages",
    "Traiteur",
    "Optique",
    "Quincaillerie",
    "Informatique",
    "Nettoyage",
    "Chauffage",
)
_PLACES = ("du Port", "du Centre", "du Marché", "de la Gare", "de l'Église", "du Lac", "des Halles")
_FORMS = ("SARL", "SARL", "SARL", "SAS", "SAS", "SASU", "EURL", "SA", "SNC", "SCI")

# city, department, region (for the public payer's treasury office)
_CITIES = (
    ("Vannes", "MORBIHAN", "BRETAGNE"),
    ("Lorient", "MORBIHAN", "BRETAGNE"),
    ("Rennes", "ILLE ET VILAINE", "BRETAGNE"),
    ("Quimper", "FINISTERE", "BRETAGNE"),
    ("Brest", "FINISTERE", "BRETAGNE"),
    ("Saint-Brieuc", "COTES D ARMOR", "BRETAGNE"),
    ("Nantes", "LOIRE ATLANTIQUE", "PAYS DE LA LOIRE"),
    ("Angers", "MAINE ET LOIRE", "PAYS DE LA LOIRE"),
    ("Le Mans", "SARTHE", "PAYS DE LA LOIRE"),
    ("Lyon", "RHONE", "AUVERGNE RHONE ALPES"),
    ("Grenoble", "ISERE", "AUVERGNE RHONE ALPES"),
    ("Lille", "NORD", "HAUTS DE FRANCE"),
    ("Amiens", "SOMME", "HAUTS DE FRANCE"),
    ("Bordeaux", "GIRONDE", "NOUVELLE AQUITAINE"),
    ("Poitiers", "VIENNE", "NOUVELLE AQUITAINE"),
    ("Toulouse", "HAUTE GARONNE", "OCCITANIE"),
    ("Montpellier", "HERAULT", "OCCITANIE"),
    ("Marseille", "BOUCHES DU RHONE", "PROVENCE ALPES COTE D AZUR"),
    ("Strasbourg", "BAS RHIN", "GRAND EST"),
    ("Metz", "MOSELLE", "GRAND EST"),
    ("Dijon", "COTE D OR", "BOURGOGNE FRANCHE COMTE"),
    ("Rouen", "SEINE MARITIME", "NORMANDIE"),
    ("Caen", "CALVADOS", "NORMANDIE"),
    ("Orléans", "LOIRET", "CENTRE VAL DE LOIRE"),
    ("Tours", "INDRE ET LOIRE", "CENTRE VAL DE LOIRE"),
)
_SCHOOL_PATRONS = ("Jules Ferry", "Jean Moulin", "Victor Hugo", "Jean Jaurès", "Marie Curie")
_FACTORS = (
    "BNP PARIBAS FACTOR",
    "EULER HERMES FRANCE",
    "ALLIANZ TRADE",
    "CA LEASING ET FACTORING",
    "BPCE FACTOR",
    "SOCIETE GENERALE FACTORING",
    "CIC FACTOR",
    "LA BANQUE POSTALE LEASING ET FACTORING",
)
_ACCOUNTANTS = (
    "FIDUCIAL EXPERTISE",
    "IN EXTENSO {CITY}",
    "CERFRANCE {REGION}",
    "CABINET {SURNAME} EXPERTISE COMPTABLE",
    "SOFIDEC AUDIT ET CONSEIL",
    "ACTHEOS EXPERTISE",
)
_INSURERS = ("AXA FRANCE IARD", "MMA IARD", "GROUPAMA LOIRE BRETAGNE", "ALLIANZ IARD", "MAAF")
_FOREIGN = (
    ("BE", "{s} BV", "BVBA"),
    ("BE", "Ets {s} SPRL", "SPRL"),
    ("DE", "{s} GmbH", "GMBH"),
    ("LU", "{s} Sàrl", "SARL"),
)
_FOREIGN_SURNAMES = (
    "Van den Berg",
    "Peeters",
    "Janssens",
    "Maes",
    "Willems",
    "Claes",
    "Schmidt",
    "Wagner",
    "Hoffmann",
    "Becker",
    "Keller",
    "Weiss",
    "Schmit",
    "Hansen",
)
_FOREIGN_TRADES = ("Logistics", "Bouw", "Technik", "Trading", "Food", "Services", "Invest")
_FR_BANKS = (
    "30003",
    "30004",
    "30002",
    "10278",
    "16006",
    "10107",
    "30066",
    "14505",
    "17515",
    "20041",
    "12506",
    "13335",
    "42559",
    "15589",
    "11006",
    "18707",
    "13807",
)
_CREDITORS = (
    "SAS Atlantique Services",
    "SARL Ouest Maintenance",
    "Armor Distribution SAS",
    "SA Bretagne Équipements",
)

# --------------------------------------------------------------------------------------------
# Small text tools


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _squash(text: str) -> str:
    return " ".join(text.split())


_SEPA_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
_CFONB_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *-./()")


def _sepa_charset(text: str) -> str:
    """What many payer banks do: accents stripped, the SEPA Latin set kept."""
    text = _ascii(text).replace("°", ".").replace("&", "+").replace("%", "")
    return _squash("".join(c if c in _SEPA_CHARS else " " for c in text))


def _cfonb_charset(text: str) -> str:
    """A CFONB 120 statement: upper case, a handful of punctuation signs, the rest blanks."""
    text = _ascii(text).upper().replace("°", " ")
    return _squash("".join(c if c in _CFONB_CHARS else " " for c in text))


def _cut(text: str, limit: int) -> str:
    return text[:limit].rstrip()


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _round_cents(value: int, numerator: int, denominator: int) -> int:
    """value * numerator / denominator, rounded half up, in integers."""
    return (2 * value * numerator + denominator) // (2 * denominator)


# --------------------------------------------------------------------------------------------
# IBANs (valid check digits; French ones also carry a valid RIB key)


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _french_iban(rng: Random, bank: str | None = None) -> str:
    bank = bank or rng.choice(_FR_BANKS)
    branch = f"{rng.randrange(100000):05d}"
    account = f"{rng.randrange(10**11):011d}"
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    return _iban("FR", f"{bank}{branch}{account}{key:02d}")


def _foreign_iban(rng: Random, country: str) -> str:
    if country == "BE":
        base = rng.randrange(10**9, 10**10)
        check = base % 97 or 97
        return _iban("BE", f"{base:010d}{check:02d}")
    if country == "DE":
        return _iban("DE", f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**10):010d}")
    return _iban("LU", f"{rng.randrange(1, 1000):03d}{rng.randrange(10**13):013d}")


# --------------------------------------------------------------------------------------------
# The ledger


@dataclass
class _Payer:
    """What the generator knows of a debtor beyond the ledger: how it pays."""

    debtor: Debtor
    kind: str  # company, near (near-namesake company), public, person, assoc, foreign
    city: tuple[str, str, str]
    surname: str  # the family name in the company name, or a random one
    true_iban: str
    bank_name: str  # the account holder name as its bank sends it
    manager: tuple[str, str]  # first name, surname
    ref_style: str
    template: int
    joiner: str
    e2e_style: str
    sepa: bool  # the payer's bank reduces text to the SEPA character set
    mandate: str  # our SEPA direct-debit mandate, "" when none
    open_keys: list[str] = field(default_factory=list)
    closed_keys: list[str] = field(default_factory=list)


@dataclass
class _Ref:
    prefix: str  # "FA", "F", ""
    prefix_sep: str  # "" or "-"
    year: int | None
    year_sep: str  # "-", "/"
    number: int
    width: int

    def printed(self) -> str:
        year = f"{self.year}{self.year_sep}" if self.year else ""
        return f"{self.prefix}{self.prefix_sep}{year}{self.number:0{self.width}d}"


# (prefix, prefix_sep, has_year, year_sep, width): "FA2026-08699", "F-12034", "2026/0456"
_SERIES = {
    "FA": ("FA", "", True, "-", 5),
    "F": ("F", "-", False, "", 5),
    "Y": ("", "", True, "/", 4),
}
# two series (main numbering, subscriptions) or one; the first three have two
_SERIES_PLANS = (("FA", "F"), ("Y", "F"), ("FA", "Y"), ("FA", None), ("Y", None), ("F", None))


def _company_name(rng: Random, surname: str, city: str) -> str:
    trade = rng.choice(_TRADES)
    form = rng.choice(_FORMS)
    pattern = rng.random()
    if pattern < 0.22:
        return f"{form} {trade} {surname}"
    if pattern < 0.40:
        return f"{trade} {surname}"
    if pattern < 0.48:
        return f"Ets {surname}"
    if pattern < 0.52:
        return f"Établissements {surname}"
    if pattern < 0.58:
        return surname  # one word: the ledger keeps what the salesman typed
    if pattern < 0.66:
        return f"{form} {surname}"
    if pattern < 0.74:
        return f"{surname} {trade}"
    if pattern < 0.80:
        return f"{trade} {rng.choice(_PLACES)}"
    if pattern < 0.86:
        return f"{trade} {surname} {city}"
    if pattern < 0.91:
        other = rng.choice(_SURNAMES)
        return f"{form} {surname} {other}"
    letters = "".join(rng.choice("ABCDEFGHIJKLMNPRSTV") for _ in range(rng.choice((2, 3, 4))))
    return f"{form} {letters} {trade}"


def _near_name(rng: Random, name: str) -> str:
    """A second firm whose ledger name is nearly the same."""
    choice = rng.random()
    if choice < 0.35:
        return f"{name} & Fils"
    if choice < 0.50:
        return f"{name} et Fils"
    if choice < 0.65:
        return f"{name} Frères"
    if choice < 0.80:
        city = rng.choice(_CITIES)[0]
        return f"{name} {city}"
    for form in ("SARL ", "SAS ", "EURL "):
        if name.startswith(form):
            other = rng.choice([f for f in ("SARL ", "SAS ", "EURL ") if f != form])
            return other + name[len(form) :]
    return f"SAS {name}"


def _of(city: str) -> str:
    return f"d'{city}" if _ascii(city)[0] in "AEIOU" else f"de {city}"


def _public_name(rng: Random, city: str) -> str:
    choice = rng.random()
    if choice < 0.30:
        return f"Mairie {_of(city)}"
    if choice < 0.45:
        return f"Commune {_of(city)}"
    if choice < 0.58:
        return f"Lycée {rng.choice(_SCHOOL_PATRONS)} {_of(city)}"
    if choice < 0.66:
        return f"Collège {rng.choice(_SCHOOL_PATRONS)}"
    if choice < 0.76:
        return f"Centre hospitalier {_of(city)}"
    if choice < 0.82:
        return f"Hôpital {_of(city)}"
    if choice < 0.90:
        return f"CCAS {_of(city)}"
    return f"Communauté de communes du Pays {_of(city)}"


_LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA", "SNC", "SCI", "ETS", "ETABLISSEMENTS")


def _bank_name(rng: Random, name: str, kind: str, manager: tuple[str, str]) -> str:
    """The account holder name as the payer's bank writes it."""
    upper = _squash(_ascii(name).upper().replace("&", "ET").replace("'", " "))
    if kind == "person":
        first, last = (_ascii(p).upper() for p in manager)
        return rng.choice(
            (
                f"M {first} {last}",
                f"M OU MME {last} {first}",
                f"{last} {first}",
                f"MR {last} {first[0]}",
                f"MME {first} {last}",
                f"M ET MME {last}",
            )
        )
    if kind in ("public", "assoc", "foreign"):
        return upper if rng.random() < 0.8 else upper.replace("ASSOCIATION", "ASS")
    words = upper.split()
    form = words[0] if words and words[0] in _LEGAL_FORMS else ""
    core = " ".join(words[1:]) if form else upper
    if form == "ETS":
        form = "ETABLISSEMENTS"
    choice = rng.random()
    if choice < 0.35:
        return upper
    if choice < 0.55:
        return core  # legal form dropped
    if choice < 0.72:
        return f"{core} {form or rng.choice(('SARL', 'SAS'))}"  # legal form added after
    if choice < 0.80:
        return f"STE {core}"
    if choice < 0.88 and len(core.split()) >= 2:
        parts = core.split()
        initials = " ".join(p[0] for p in parts[:-1])
        return f"{form + ' ' if form else ''}{initials} {parts[-1]}"  # initials
    if choice < 0.94 and _ascii(manager[1]).upper() not in core:
        return f"{core} {_ascii(manager[1]).upper()}"
    return f"{core} ({form or 'SARL'})"


def _legal_name(rng: Random, name: str, surname: str) -> str:
    """Some firms trade under one name and hold their bank account under another."""
    sur = _ascii(surname).upper()
    return rng.choice(
        (
            f"SAS {sur} ET ASSOCIES",
            f"SARL {sur} DISTRIBUTION",
            f"HOLDING {sur}",
            f"{sur} INVEST",
            f"SARL LES ATELIERS {sur}",
            f"{_ascii(name).upper().split()[-1]} SERVICES",
        )
    )


def _ledger(rng: Random, n_debtors: int, n_open: int, month: date):
    """Debtors, their payers and invoices (open ones and a few closed ones), numbered in series."""
    weights = [1.0 / (i + 8) ** 0.7 for i in range(len(_SURNAMES))]  # Martin far more than Payet
    surnames = rng.choices(_SURNAMES, weights, k=n_debtors)
    payers: list[_Payer] = []
    groups: dict[str, list[int]] = {}
    group_count = 0
    country = "FR"
    while len(payers) < n_debtors:
        key = f"D{len(payers) + 1:04d}"
        city = rng.choice(_CITIES)
        surname = surnames[len(payers)]
        manager = (rng.choice(_FIRSTNAMES), surname)
        roll = rng.random()
        previous = payers[-1] if payers else None
        if previous and previous.kind == "company" and roll < 0.04:
            kind, name = "near", _near_name(rng, previous.debtor.name)
            surname, manager = previous.surname, (rng.choice(_FIRSTNAMES), previous.surname)
        elif roll < 0.68:
            kind, name = "company", _company_name(rng, surname, city[0])
        elif roll < 0.78:
            kind, name = "public", _public_name(rng, city[0])
        elif roll < 0.93:
            kind = "person"
            first = manager[0]
            style = rng.random()
            if style < 0.5:
                title = "Mme" if first[-1] == "e" and first not in ("Philippe",) else "M."
                name = f"{title} {first} {surname}"
            elif style < 0.75:
                name = f"{first} {surname}"
            elif style < 0.9:
                name = f"{surname.upper()} {first}"
            else:
                name = f"M. et Mme {surname}"
        elif roll < 0.97:
            kind = "assoc"
            name = rng.choice(
                (
                    f"Association sportive {_of(city[0])}",
                    f"Comité des fêtes {_of(city[0])}",
                    f"Amicale laïque {_of(city[0])}",
                    f"Club nautique {city[0]}",
                )
            )
        else:
            kind = "foreign"
            country, pattern, _ = rng.choice(_FOREIGN)
            surname = rng.choice(_FOREIGN_SURNAMES)
            name = pattern.format(s=f"{surname} {rng.choice(_FOREIGN_TRADES)}")
        true_iban = _foreign_iban(rng, country) if kind == "foreign" else _french_iban(rng)
        if kind == "public":
            true_iban = _french_iban(rng, "30001")  # public bodies bank with the Treasury
        mandate = ""
        if kind in ("company", "near", "person", "assoc") and rng.random() < 0.15:
            mandate = f"RUM{key[1:]}{rng.randrange(1, 4):02d}"
        known = rng.random()
        if mandate or known < 0.50:
            iban = true_iban
        elif known < 0.56:
            iban = _french_iban(rng)  # the account they closed
        else:
            iban = ""
        if kind == "public":
            iban = ""  # paid by the Treasury, we never learnt an account
        bank_name = _bank_name(rng, name, kind, manager)
        if kind in ("company", "near") and rng.random() < 0.12:
            bank_name = _legal_name(rng, name, surname)
        debtor = Debtor(key=key, name=name, iban=iban, group="")
        payers.append(
            _Payer(
                debtor=debtor,
                kind=kind,
                city=city,
                surname=surname,
                true_iban=true_iban,
                bank_name=bank_name,
                manager=manager,
                ref_style=rng.choices(_REF_STYLES, _REF_STYLE_WEIGHTS)[0],
                template=rng.randrange(len(_REF_TEMPLATES)),
                joiner=rng.choice(("slash", "plus", "dash", "comma", "et", "space")),
                e2e_style=rng.choices(("none", "erp", "bank", "ref"), (55, 20, 15, 10))[0],
                sepa=rng.random() < 0.7,
                mandate=mandate,
            )
        )
        # sister companies: a few firms followed by one to three others of the same group
        if kind == "company" and rng.random() < 0.05 and len(payers) < n_debtors - 1:
            group_count += 1
            gkey = f"G{group_count:03d}"
            groups[gkey] = [len(payers) - 1]
            for _ in range(rng.randint(1, 3)):
                if len(payers) >= n_debtors:
                    break
                skey = f"D{len(payers) + 1:04d}"
                sname = _company_name(rng, surname, rng.choice(_CITIES)[0])
                s_iban = _french_iban(rng)
                payers.append(
                    _Payer(
                        debtor=Debtor(skey, sname, s_iban if rng.random() < 0.5 else "", ""),
                        kind="company",
                        city=rng.choice(_CITIES),
                        surname=surname,
                        true_iban=s_iban,
                        bank_name=_bank_name(rng, sname, "company", manager),
                        manager=manager,
                        ref_style=payers[-1].ref_style,
                        template=payers[-1].template,
                        joiner=payers[-1].joiner,
                        e2e_style=payers[-1].e2e_style,
                        sepa=payers[-1].sepa,
                        mandate="",
                    )
                )
                groups[gkey].append(len(payers) - 1)
    for gkey, members in groups.items():
        for m in members:
            p = payers[m]
            p.debtor = Debtor(p.debtor.key, p.debtor.name, p.debtor.iban, gkey)
    group_heads = {}
    for gkey, members in groups.items():
        head = payers[members[0]]
        sur = _ascii(head.surname).upper()
        holding = rng.choice((f"GROUPE {sur}", f"{sur} HOLDING", f"HOLDING {sur} SAS"))
        # the parent pays from its own account, or is itself the first firm of the group
        group_heads[gkey] = (holding, _french_iban(rng)) if rng.random() < 0.6 else None

    invoices, refs = _invoices(rng, payers, n_open, month)
    return payers, invoices, refs, group_heads, groups


_PLAN_HT = (5000, 7500, 10000, 10000, 10000, 12500, 15000, 20000, 25000)


def _invoices(rng: Random, payers: list[_Payer], n_open: int, month: date):
    n_closed = n_open // 10
    total = n_open + n_closed
    start = month
    # how many invoices each debtor has: a few big accounts, many with one or two
    weights = [min(rng.paretovariate(1.3), 40.0) for _ in payers]
    owners = list(range(len(payers))) if total >= len(payers) else []
    owners += rng.choices(range(len(payers)), weights, k=total - len(owners))
    rng.shuffle(owners)
    by_payer: dict[int, int] = {}
    for o in owners:
        by_payer[o] = by_payer.get(o, 0) + 1
    plan, series = rng.choice(_SERIES_PLANS[:3] if rng.random() < 0.8 else _SERIES_PLANS[3:])
    drafts = []  # (issued, due, amount, payer index, series)
    for idx in sorted(by_payer):
        count = by_payer[idx]
        payer = payers[idx]
        subscriber = payer.kind != "public" and (payer.mandate != "" or rng.random() < 0.35)
        plan_ht = rng.choice(_PLAN_HT)
        repeat_ht = rng.randrange(80, 900) * 500  # a monthly maintenance fee of the firm
        terms = rng.choice((0, 30, 30, 30, 45, 60)) if payer.kind != "public" else 30
        for n in range(count):
            if subscriber and n < 24 and rng.random() < 0.75:
                back = n + rng.randrange(0, 2)
                issued = _months_before(start, back + 1)
                ht = plan_ht
                own_series = series if series and rng.random() < 0.8 else plan
            else:
                issued = start - timedelta(days=1 + min(int(rng.expovariate(1 / 110)), 700))
                shape = rng.random()
                if shape < 0.15:
                    ht = repeat_ht
                elif shape < 0.55:
                    ht = rng.randrange(20, 3000) * 100  # a whole number of euros before tax
                else:
                    ht = int(rng.lognormvariate(11.2, 1.0))
                own_series = plan
            ht = max(ht, 1000)
            vat = rng.choice((20, 20, 20, 20, 10, 0)) if payer.kind != "foreign" else 0
            amount = _round_cents(ht, 100 + vat, 100)
            due = issued + timedelta(days=terms)
            drafts.append((issued, due, amount, idx, own_series))
    drafts.sort(key=lambda d: (d[0], d[3]))
    # numbering follows issue dates; gaps are the invoices long paid and gone from the ledger
    counters: dict[tuple[str, int | None], int] = {}
    refs: dict[str, _Ref] = {}
    invoices: list[Invoice] = []
    # the closed invoices still listed are among the older ones
    older = range(max(n_closed, len(drafts) * 7 // 10))
    closed_slots = set(rng.sample(older, n_closed)) if n_closed else set()
    for k, (issued, due, amount, idx, code) in enumerate(drafts):
        prefix, psep, has_year, ysep, width = _SERIES[code]
        year = issued.year if has_year else None
        counter_key = (code, year)
        if counter_key not in counters:
            counters[counter_key] = rng.randrange(1, 400) if has_year else rng.randrange(9000)
        counters[counter_key] += rng.choice((1, 1, 2, 2, 3, 4, 6))
        ref = _Ref(prefix, psep, year, ysep, counters[counter_key], width)
        key = f"I{k + 1:05d}"
        closed = k in closed_slots
        paid = 0
        if not closed and rng.random() < 0.07 and amount > 2000:
            paid = rng.randrange(1, amount // 1000 + 1) * 1000
            paid = min(paid, amount - 100)
        invoice = Invoice(
            key=key,
            debtor=payers[idx].debtor.key,
            reference=ref.printed(),
            issued_on=issued,
            due_on=due,
            amount_cents=amount,
            paid_cents=paid,
            open=not closed,
        )
        invoices.append(invoice)
        refs[key] = ref
        (payers[idx].closed_keys if closed else payers[idx].open_keys).append(key)
    return invoices, refs


def _months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


# --------------------------------------------------------------------------------------------
# How a payer writes our invoice number

_REF_STYLES = (
    "asis",
    "lower",
    "nosep",
    "spaced",
    "fact_year",
    "number_only",
    "no_zeros",
    "padded_number",
)
_REF_STYLE_WEIGHTS = (40, 6, 12, 8, 6, 12, 10, 6)

_REF_TEMPLATES = (
    "{ref}",
    "{ref}",
    "FACTURE {ref}",
    "FACT {ref}",
    "Règlement facture n° {ref}",
    "REGLEMENT FACTURE {ref}",
    "Facture {ref}",
    "VIR SEPA {ref}",
    "{ref} {name}",
    "{name} FACT {ref}",
    "PAIEMENT {ref}",
    "Paiement facture {ref} - {name}",
    "REGL. FACT. {ref} DU {issued}",
    "Fact n°{ref}",
    "{ref} MERCI",
    "fac {ref}",
    "REGLT FACT {ref} CLIENT {client}",
)


def _render_ref(ref: _Ref, style: str) -> str:
    zfilled = f"{ref.number:0{ref.width}d}"
    year = str(ref.year) if ref.year else ""
    if style == "lower":
        return ref.printed().lower()
    if style == "nosep":
        return f"{ref.prefix}{year}{zfilled}"
    if style == "spaced":
        return " ".join(p for p in (ref.prefix, year, zfilled) if p)
    if style == "fact_year":
        return "FACT " + " ".join(p for p in (year, zfilled) if p)
    if style == "number_only":
        return str(ref.number)
    if style == "no_zeros":
        year_part = f"{year}{ref.year_sep}" if year else ""
        return f"{ref.prefix}{ref.prefix_sep}{year_part}{ref.number}"
    if style == "padded_number":
        return zfilled
    return ref.printed()


def _typo(rng: Random, ref: _Ref) -> _Ref:
    digits = list(f"{ref.number:0{ref.width}d}")
    kind = rng.choice(("replace", "swap", "drop", "double"))
    pos = rng.randrange(len(digits))
    if kind == "swap":
        pairs = [j for j in range(len(digits) - 1) if digits[j] != digits[j + 1]]
        if pairs:
            j = rng.choice(pairs)
            digits[j], digits[j + 1] = digits[j + 1], digits[j]
        else:
            kind = "replace"
    if kind == "replace":
        pos = max(pos, len(digits) - 3)  # people slip on the last digits
        digits[pos] = rng.choice([d for d in "0123456789" if d != digits[pos]])
    elif kind == "drop":
        pos = max(pos, len(digits) - 3)
        del digits[pos]
    elif kind == "double":
        digits.insert(pos, digits[pos])
    text = "".join(digits)
    return _Ref(ref.prefix, ref.prefix_sep, ref.year, ref.year_sep, int(text), len(text))


# --------------------------------------------------------------------------------------------
# The month's credits


class _Month:
    def __init__(self, rng: Random, month: date, payers, invoices, refs, heads, groups):
        self.rng = rng
        self.month = month
        self.payers: list[_Payer] = payers
        self.by_key = {p.debtor.key: p for p in payers}
        self.invoices = {i.key: i for i in invoices}
        self.refs: dict[str, _Ref] = refs
        self.heads = heads
        self.groups = groups
        self.used: set[str] = set()
        self.public = {p.debtor.key for p in payers if p.kind == "public"}
        self.open_keys = [i.key for i in invoices if i.open]
        self.recent_keys = [
            i.key
            for i in invoices
            if i.open and month - timedelta(days=75) <= i.due_on <= month + timedelta(days=31)
        ]
        self.days = _business_days(month)
        self.creditor = rng.choice(_CREDITORS)
        self.creditor_iban = _french_iban(rng)
        self.avoir_counter = rng.randrange(20, 200)
        self.bank_counter = rng.randrange(10**6)
        self.treasury: dict[str, str] = {}
        self.accounts: dict[str, str] = {}  # the one account of a factor, manager, accountant
        self.sister_format = rng.choice(("FC-{n:05d}", "INV {y}-{n:04d}", "FV{y}-{n:05d}"))
        self.our_refs = {i.reference for i in invoices}

    # -- helpers --------------------------------------------------------------------------

    def balance(self, key: str) -> int:
        inv = self.invoices[key]
        return inv.amount_cents - inv.paid_cents

    def free(self, payer: _Payer) -> list[str]:
        return [k for k in payer.open_keys if k not in self.used]

    def pick_invoice(self) -> str | None:
        """An open invoice nobody paid yet this month, most often one falling due about now.

        Public bodies are left out: the Treasury pays them (treasury_pays)."""
        for _ in range(50):
            pool = self.recent_keys if self.recent_keys and self.rng.random() < 0.6 else None
            key = self.rng.choice(pool or self.open_keys)
            if key not in self.used and self.invoices[key].debtor not in self.public:
                return key
        free = [
            k
            for k in self.open_keys
            if k not in self.used and self.invoices[k].debtor not in self.public
        ]
        return self.rng.choice(free) if free else None

    def pick_payer(self, test, minimum: int = 1) -> _Payer | None:
        """A debtor passing the test with at least `minimum` invoices still unpaid this month."""
        candidates = [p for p in self.payers if test(p)]
        if not candidates:
            return None
        for _ in range(60):
            payer = self.rng.choice(candidates)
            if sum(1 for k in payer.open_keys if k not in self.used) >= minimum:
                return payer
        candidates = [p for p in candidates if len(self.free(p)) >= minimum]
        return self.rng.choice(candidates) if candidates else None

    def account(self, name: str, bank: str | None = None) -> str:
        if name not in self.accounts:
            self.accounts[name] = _french_iban(self.rng, bank)
        return self.accounts[name]

    def day(self) -> date:
        return self.rng.choice(self.days)

    def e2e(self, payer: _Payer | None, keys) -> str:
        style = payer.e2e_style if payer else "none"
        if style == "ref" and keys:
            return _cut(self.refs[keys[0]].printed(), 35)
        if style == "erp":
            self.bank_counter += self.rng.randrange(1, 40)
            return f"PAY{self.month:%Y%m}{self.bank_counter:07d}"
        if style == "bank":
            return "".join(self.rng.choice("0123456789ABCDEF") for _ in range(24))
        return "NOTPROVIDED"

    def bank_reference(self, style: str) -> str:
        if style == "cfonb" or self.rng.random() < 0.3:
            return ""
        self.bank_counter += self.rng.randrange(1, 40)
        return f"{self.month:%y%m}{self.rng.choice('ABCDEFGH')}{self.bank_counter:010d}"

    def typed(self, payer: _Payer, text: str) -> str:
        """The payer's bank passes the remittance on, at most 140 characters."""
        if payer.sepa:
            text = _sepa_charset(text)
        return _cut(_squash(text), 140)

    def ref_text(self, payer: _Payer, key: str, style: str | None = None) -> str:
        return _render_ref(self.refs[key], style or payer.ref_style)

    def template(self, payer: _Payer, ref_text: str, key: str) -> str:
        pattern = _REF_TEMPLATES[payer.template]
        if self.rng.random() < 0.25:
            pattern = self.rng.choice(_REF_TEMPLATES)
        if payer.ref_style in ("number_only", "padded_number") and self.rng.random() < 0.6:
            pattern = self.rng.choice(
                ("Facture n° {ref}", "Règlement facture n° {ref}", "FACT {ref}")
            )
        return pattern.format(
            ref=ref_text,
            name=_ascii(payer.debtor.name).upper()[:30],
            issued=f"{self.invoices[key].issued_on:%d/%m/%Y}",
            client=f"{self.rng.randrange(100, 99999):05d}",
        )

    def joined(self, payer: _Payer, keys: list[str], joiner: str) -> str:
        glue = {
            "slash": "/",
            "plus": "+",
            "dash": self.rng.choice(("-", " - ")),
            "comma": self.rng.choice((",", ", ")),
            "et": " et ",
            "space": " ",
        }[joiner]
        style = payer.ref_style if payer.ref_style != "lower" else "asis"
        parts = [self.ref_text(payer, k, style) for k in keys]
        lead = self.rng.choice(("", "", "FACTURES ", "FACT ", "Règlement factures ", "REGL "))
        return lead + glue.join(parts)

    def credit(
        self,
        habit,
        payer,
        keys,
        amount,
        label,
        *,
        name=None,
        iban=None,
        e2e=None,
        mandate="",
        style=None,
        debtor=None,
        ours=True,
        when=None,
    ) -> Credit:
        style = style or self.rng.choices(("camt", "cfonb", "composite"), (55, 30, 15))[0]
        name = payer.bank_name if name is None and payer else (name or "")
        iban = payer.true_iban if iban is None and payer else (iban or "")
        e2e = e2e if e2e is not None else self.e2e(payer, keys)
        if style == "cfonb":
            label = _cfonb_charset(label)
            shown_name = _cut(_cfonb_charset(name), 35)
        elif style == "composite":
            shown_name = _cut(name.upper(), 35)
            kind = "VIR INST RE" if self.rng.random() < 0.15 else "VIR SEPA RECU"
            label = f"{kind} /DE {shown_name} /MOTIF {label} /REF {e2e}" if not mandate else label
        else:
            shown_name = _cut(name, 70)
        if debtor is None and payer is not None and ours:
            debtor = payer.debtor.key
        return Credit(
            booking_on=when or self.day(),
            amount_cents=amount,
            label=_cut(_squash(label), 140),
            reference=self.bank_reference(style),
            end_to_end_id=e2e,
            mandate_reference=mandate,
            counterparty_name=shown_name,
            counterparty_iban=iban,
            debtor=debtor,
            invoices=tuple(keys),
            habit=habit,
            ours=ours,
        )

    # -- habits that pay our invoices ------------------------------------------------------

    def exact_ref(self, habit: str) -> Credit | None:
        key = self.pick_invoice()
        if key is None:
            return None
        payer = self.by_key[self.invoices[key].debtor]
        self.used.add(key)
        text = self.ref_text(payer, key)
        if habit == "typo_ref":
            text = _render_ref(_typo(self.rng, self.refs[key]), payer.ref_style)
        remittance = self.template(payer, text, key)
        if habit == "exact_ref_with_po":
            po = self.rng.choice(
                (
                    f"CDE {self.rng.randrange(4500000000, 4509999999)}",
                    f"BC N° {self.month.year}-{self.rng.randrange(1, 2000):04d}",
                    f"COMMANDE {self.rng.randrange(10000, 99999)}",
                    f"PO {self.rng.randrange(100000, 999999)}",
                    f"N/REF {self.month.year}/{self.rng.randrange(1, 3000):04d}",
                    f"V/CDE {self.rng.randrange(100, 9999)} DU {self.day():%d/%m}",
                )
            )
            remittance = f"{po} {remittance}" if self.rng.random() < 0.5 else f"{remittance} {po}"
        remittance = self.typed(payer, remittance)
        return self.credit(habit, payer, [key], self.balance(key), remittance)

    def several(self, habit: str) -> Credit | None:
        payer = self.pick_payer(lambda p: p.kind not in ("public",), minimum=2)
        if payer is None:
            return None
        free = self.free(payer)
        count = min(len(free), self.rng.choice((2, 2, 2, 3, 3, 4, 5)))
        keys = sorted(self.rng.sample(free, count), key=lambda k: self.refs[k].number)
        self.used.update(keys)
        joiner = habit.removeprefix("refs_")
        remittance = self.typed(payer, self.joined(payer, keys, joiner))
        amount = sum(self.balance(k) for k in keys)
        return self.credit(habit, payer, keys, amount, remittance)

    def shortened(self) -> Credit | None:
        """'FACT FA2026-08699 892': the later numbers written by their last digits."""
        for _ in range(30):
            payer = self.pick_payer(lambda p: p.kind != "public", minimum=2)
            if payer is None:
                return None
            free = self.free(payer)
            by_series: dict[tuple, list[str]] = {}
            for k in free:
                r = self.refs[k]
                by_series.setdefault((r.prefix, r.year), []).append(k)
            runs = [v for v in by_series.values() if len(v) >= 2]
            if runs:
                break
        else:
            return None
        run = sorted(self.rng.choice(runs), key=lambda k: self.refs[k].number)
        keys = run[: self.rng.choice((2, 2, 3))]
        self.used.update(keys)
        first = self.refs[keys[0]]
        head = f"{first.number:0{first.width}d}"
        parts = [first.printed()]
        for k in keys[1:]:
            digits = f"{self.refs[k].number:0{first.width}d}"
            same = 0
            while same < len(head) and head[same] == digits[same]:
                same += 1
            parts.append(digits[min(same, len(digits) - 3) :])
        glue = self.rng.choice((" ", "/", "-", " ET "))
        remittance = self.typed(payer, "FACT " + glue.join(parts))
        amount = sum(self.balance(k) for k in keys)
        return self.credit("refs_shortened", payer, keys, amount, remittance)

    def cut_140(self) -> Credit | None:
        payer = self.pick_payer(lambda p: p.kind != "public", minimum=7)
        if payer is None:
            return None
        free = self.free(payer)
        keys = sorted(self.rng.sample(free, min(len(free), self.rng.randint(9, 14))))
        text = "REGLEMENT FACTURES " + " ".join(self.refs[k].printed() for k in keys)
        if len(text) <= 140:
            text += " " + _ascii(payer.debtor.name).upper()
            text += " ECHEANCES DU MOIS DE " + f"{self.month:%m/%Y}" * 3
        if len(text) <= 140:
            return None
        self.used.update(keys)
        amount = sum(self.balance(k) for k in keys)
        return self.credit("refs_cut_140", payer, keys, amount, self.typed(payer, text))

    def amount_only(self) -> Credit | None:
        key = self.pick_invoice()
        if key is None:
            return None
        payer = self.by_key[self.invoices[key].debtor]
        # with no designation, a payer who owes several equal invoices pays the oldest
        twins = [k for k in self.free(payer) if self.balance(k) == self.balance(key)]
        key = min(twins, key=lambda k: (self.invoices[k].due_on, k))
        self.used.add(key)
        name = _ascii(payer.debtor.name).upper()
        remittance = self.rng.choice(
            (
                "",
                "",
                name,
                f"VIREMENT {name}",
                "REGLEMENT",
                "PAIEMENT FACTURE",
                f"VIR {name} {self.month:%m/%Y}",
                "ECHEANCE",
                "Facture",
                "Virement de",
            )
        )
        return self.credit(
            "amount_only",
            payer,
            [key],
            self.balance(key),
            self.typed(payer, remittance),
            e2e="NOTPROVIDED",
        )

    def settle_all(self) -> Credit | None:
        candidates = [
            p
            for p in self.payers
            if p.kind != "public"
            and 2 <= len(p.open_keys) <= 8
            and len(self.free(p)) == len(p.open_keys)
        ]
        if not candidates:
            return None
        payer = self.rng.choice(candidates)
        keys = list(payer.open_keys)
        self.used.update(keys)
        remittance = self.rng.choice(
            (
                "SOLDE COMPTE",
                "SOLDE DE TOUT COMPTE",
                "REGULARISATION",
                "SUITE RELANCE",
                f"RELANCE DU {self.month - timedelta(days=20):%d/%m/%Y}",
                "SOLDE",
            )
        )
        amount = sum(self.balance(k) for k in keys)
        return self.credit("settle_all", payer, keys, amount, self.typed(payer, remittance))

    def ref_in_e2e(self) -> Credit | None:
        key = self.pick_invoice()
        if key is None:
            return None
        payer = self.by_key[self.invoices[key].debtor]
        self.used.add(key)
        ref = self.refs[key].printed()
        e2e = self.rng.choice((ref, ref.replace("-", "").replace("/", ""), f"REGL-{ref}"))
        remittance = self.rng.choice(
            (
                "PAIEMENT FOURNISSEUR",
                f"REGLEMENT FOURNISSEURS {self.day():%d%m%y}",
                "VIREMENT",
                _ascii(payer.debtor.name).upper(),
                "REGLEMENT",
                "",
            )
        )
        return self.credit(
            "ref_in_end_to_end",
            payer,
            [key],
            self.balance(key),
            self.typed(payer, remittance),
            e2e=_cut(e2e, 35),
        )

    def partial(self) -> Credit | None:
        for _ in range(20):
            key = self.pick_invoice()
            if key is None:
                return None
            if self.balance(key) >= 6000 and self.invoices[key].debtor in self.by_key:
                break
        else:
            return None
        payer = self.by_key[self.invoices[key].debtor]
        self.used.add(key)
        balance = self.balance(key)
        amount = self.rng.choice((balance // 2, balance // 3, balance // 4))
        amount = max(1000, amount // 1000 * 1000) if self.rng.random() < 0.7 else amount
        amount = min(amount, balance - 100)
        text = self.ref_text(payer, key)
        remittance = self.rng.choice(
            (
                f"ACOMPTE {text}",
                f"{text} PARTIEL",
                f"PAIEMENT PARTIEL FACT {text}",
                f"1ER VERSEMENT {text}",
                text,
                f"{text} SOLDE A SUIVRE",
            )
        )
        return self.credit("partial_ref", payer, [key], amount, self.typed(payer, remittance))

    def instalment(self) -> Credit | None:
        payer = self.pick_payer(lambda p: p.kind in ("person", "company", "near", "assoc"))
        if payer is None:
            return None
        total = sum(self.balance(k) for k in self.free(payer))
        rounds = [a for a in (5000, 10000, 15000, 20000, 25000, 30000, 50000, 100000) if a < total]
        if not rounds:
            return None
        self.used.update(payer.open_keys)  # a debtor on a plan pays only its instalments
        amount = self.rng.choice(rounds)
        n = self.rng.randint(3, 12)
        remittance = self.rng.choice(
            (
                "ECHEANCIER",
                f"VERSEMENT {self.rng.randint(1, n)}/{n}",
                "ACOMPTE",
                "",
                _ascii(payer.debtor.name).upper(),
                "PLAN APUREMENT",
                "MENSUALITE",
            )
        )
        return self.credit(
            "instalment_no_ref", payer, [], amount, self.typed(payer, remittance), e2e="NOTPROVIDED"
        )

    def net_of(self, habit: str) -> Credit | None:
        if habit == "net_of_fees":
            payer = self.pick_payer(lambda p: p.kind == "foreign")
            payer = payer or self.pick_payer(lambda p: p.kind in ("company", "near"))
        else:
            payer = self.pick_payer(lambda p: p.kind in ("company", "near"))
        if payer is None:
            return None
        key = self.rng.choice(self.free(payer))
        balance = self.balance(key)
        if habit == "net_of_fees":
            fee = self.rng.choice((50, 100, 150, 250, 500, 750, 1000, 1200, 1500, 2000))
            if balance <= fee * 4:
                return None
            amount = balance - fee
            words = ("INVOICE {ref}", "{ref}", "PAYMENT {ref}", "FACTURE {ref}")
        else:
            amount = balance - _round_cents(balance, 2, 100)
            words = (
                "{ref} ESCOMPTE 2%",
                "{ref} -2%",
                "{ref} ESC 2 POUR CENT",
                "{ref}",
                "FACT {ref} NET ESCOMPTE",
            )
        self.used.add(key)
        remittance = self.rng.choice(words).format(ref=self.ref_text(payer, key))
        return self.credit(habit, payer, [key], amount, self.typed(payer, remittance))

    def minus_credit_note(self) -> Credit | None:
        payer = self.pick_payer(lambda p: p.kind in ("company", "near", "assoc"), minimum=2)
        if payer is None:
            return None
        free = self.free(payer)
        keys = sorted(self.rng.sample(free, min(len(free), self.rng.choice((2, 2, 3)))))
        total = sum(self.balance(k) for k in keys)
        note = _round_cents(total, self.rng.randint(5, 40), 100)
        if note <= 0 or note >= total:
            return None
        self.used.update(keys)
        self.avoir_counter += self.rng.randint(1, 5)
        avoir = f"AV{self.month.year}-{self.avoir_counter:05d}"
        refs = [self.ref_text(payer, k) for k in keys]
        remittance = self.rng.choice(
            (
                " + ".join(refs) + f" - {avoir}",
                "FACT " + " ".join(refs) + f" DEDUCTION AVOIR {avoir}",
                "/".join(refs) + f" MOINS AVOIR {avoir}",
                " ".join(refs) + f" AVOIR {_euros(note)}",
            )
        )
        return self.credit(
            "minus_credit_note", payer, keys, total - note, self.typed(payer, remittance)
        )

    def someone_else(self, habit: str) -> Credit | None:
        if habit in ("parent_pays", "sister_pays"):
            payer = self.pick_payer(lambda p: p.debtor.group != "")
        elif habit == "manager_pays":
            payer = self.pick_payer(lambda p: p.kind in ("company", "near"))
        else:
            payer = self.pick_payer(lambda p: p.kind in ("company", "near", "assoc"))
        if payer is None:
            return None
        free = self.free(payer)
        keys = [self.rng.choice(free)]
        if len(free) > 1 and self.rng.random() < 0.25:
            keys = self.rng.sample(free, 2)
        refs = " ".join(self.ref_text(payer, k, "asis") for k in keys)
        firm = _ascii(payer.debtor.name).upper()
        rng = self.rng
        if habit == "parent_pays":
            gkey = payer.debtor.group
            head = self.heads[gkey]
            if head is None:  # the group's first firm pays for its sisters
                first = self.payers[self.groups[gkey][0]]
                if first is payer:
                    return None
                name, iban = first.bank_name, first.true_iban
            else:
                name, iban = head
            label = rng.choice(
                (
                    f"{refs} {firm}",
                    f"REGLEMENT FILIALE {firm} {refs}",
                    f"{name} POUR {firm} FACT {refs}",
                    refs,
                )
            )
        elif habit == "sister_pays":
            sisters = [self.payers[m] for m in self.groups[payer.debtor.group]]
            sisters = [s for s in sisters if s is not payer]
            if not sisters:
                return None
            sister = rng.choice(sisters)
            name, iban = sister.bank_name, sister.true_iban
            label = rng.choice((f"{refs} {firm}", f"POUR {firm} {refs}", refs, f"FACT {refs}"))
        elif habit == "factor_pays":
            name = rng.choice(_FACTORS)
            iban = self.account(name, "30004")
            label = rng.choice(
                (
                    f"CPTE DE {firm} FACT {refs}",
                    f"REGLEMENT {firm[:25]} {refs}",
                    f"ACHETEUR {rng.randrange(10**5, 10**6)} {refs}",
                    f"POUR LE COMPTE DE {firm} {refs}",
                    f"{firm[:20]} REGLEMENT FOURNISSEUR",
                )
            )
        elif habit == "manager_pays":
            first, last = (_ascii(p).upper() for p in payer.manager)
            name = rng.choice(
                (
                    f"M OU MME {last} {first}",
                    f"M {last} {first}",
                    f"MME {first} {last}",
                    f"{last} {first}",
                )
            )
            iban = self.account(f"manager {payer.debtor.key}")
            label = rng.choice(
                (f"FACTURE {refs} {firm}", f"{firm} {refs}", f"REGLEMENT POUR {firm}", refs)
            )
        else:  # accountant_pays
            city, _, region = payer.city
            name = rng.choice(_ACCOUNTANTS).format(
                CITY=_ascii(city).upper(),
                REGION=region,
                SURNAME=_ascii(rng.choice(_SURNAMES)).upper(),
            )
            iban = self.account(name)
            label = rng.choice(
                (
                    f"POUR {firm} FACT {refs}",
                    f"{firm} {refs}",
                    f"DOSSIER {firm[:20]} REGLEMENT {refs}",
                )
            )
        self.used.update(keys)
        amount = sum(self.balance(k) for k in keys)
        return self.credit(
            habit,
            payer,
            keys,
            amount,
            self.typed(payer, label),
            name=name,
            iban=iban,
            e2e="NOTPROVIDED",
        )

    def treasury_pays(self) -> Credit | None:
        """A public body's mandate paid by its Treasury office (DRFIP, DDFIP, SGC...)."""
        rng = self.rng
        payer = self.pick_payer(lambda p: p.kind == "public")
        if payer is None:
            return None
        free = self.free(payer)
        keys = [rng.choice(free)]
        if len(free) > 1 and rng.random() < 0.2:
            keys = rng.sample(free, 2)
        city, dept, region = payer.city
        if dept not in self.treasury:
            self.treasury[dept] = _french_iban(rng, "30001")
        name = rng.choice(
            (
                f"DRFIP {region}",
                f"DDFIP {dept}",
                "TRESOR PUBLIC",
                "DGFIP",
                f"DRFIP {region} ET DEPARTEMENT {dept}",
                f"SGC {_ascii(city).upper()}",
            )
        )
        mandat = f"{self.month.year}-{rng.randrange(1, 9000):06d}"
        bord = f"{rng.randrange(1, 900):06d}"
        entity = _ascii(payer.debtor.name).upper()
        refs = " ".join(self.ref_text(payer, k) for k in keys)
        label = rng.choice(
            (
                f"MANDAT {mandat} BORD {bord} {refs}",
                f"/MDT/{mandat}/FACT {refs}",
                f"{entity[:30]} MDT {mandat[5:]} FACT {refs}",
                f"PAIEMENT MANDAT N {mandat[5:]} EX {self.month.year} OBJET FACTURE {refs}",
                f"MANDAT {mandat} BORD {bord} {entity[:30]}",
                f"{entity[:30]} {mandat}",
            )
        )
        self.used.update(keys)
        amount = sum(self.balance(k) for k in keys)
        return self.credit(
            "treasury_pays",
            payer,
            keys,
            amount,
            _sepa_charset(label),
            name=name,
            iban=self.treasury[dept],
            e2e=rng.choice(("NOTPROVIDED", f"{mandat}-{bord}")),
        )

    def direct_debit(self) -> Credit | None:
        payer = self.pick_payer(lambda p: p.mandate != "")
        if payer is None:
            return None
        # the collection of this month's or last month's invoice
        recent = [
            k
            for k in self.free(payer)
            if self.invoices[k].issued_on >= self.month - timedelta(days=62)
        ]
        if not recent:
            return None
        key = max(recent, key=lambda k: (self.invoices[k].issued_on, k))
        self.used.add(key)
        ref = self.refs[key].printed()
        issued = self.invoices[key].issued_on
        label = self.rng.choice((f"ABONNEMENT {issued:%m/%Y} {ref}", ref, f"FACTURE {ref}"))
        return self.credit(
            "direct_debit",
            payer,
            [key],
            self.balance(key),
            label,
            mandate=payer.mandate,
            style="camt",
            e2e=self.rng.choice((ref, f"SDD{issued:%Y%m}{key[1:]}")),
        )

    def cheque(self) -> Credit | None:
        key = self.pick_invoice()
        if key is None:
            return None
        payer = self.by_key[self.invoices[key].debtor]
        self.used.add(key)
        number = self.rng.randrange(1000000, 9999999)
        label = self.rng.choice(
            (
                f"REMISE CHEQUE {number}",
                f"REM CHQ N {number}",
                f"REMISE DE CHEQUES {self.rng.randrange(100, 999)} 1 CHQ",
            )
        )
        return self.credit(
            "cheque_single",
            payer,
            [key],
            self.balance(key),
            label,
            name="",
            iban="",
            e2e="",
            style="cfonb",
        )

    # -- credits that pay nothing of ours --------------------------------------------------

    def not_ours(self, habit: str, earlier: list[Credit]) -> Credit | None:
        rng = self.rng
        if habit == "refund_supplier":
            payer = self.pick_payer(lambda p: p.kind in ("company", "near"), minimum=0)
            if payer is None:
                return None
            label = rng.choice(
                (
                    "REMBOURSEMENT AVOIR",
                    f"AVOIR {self.month.year}-{rng.randrange(1, 400)}",
                    "RBT TROP PERCU",
                    f"REMBOURSEMENT TROP PERCU FACT {rng.randrange(1000, 9999)}",
                    f"RBT AVOIR N {rng.randrange(100, 9999)}",
                    "REMB. DOUBLE PAIEMENT",
                )
            )
            amount = rng.choice((rng.randrange(500, 200000), rng.randrange(1, 40) * 1000))
            return self.credit(
                habit,
                payer,
                [],
                amount,
                self.typed(payer, label),
                debtor=payer.debtor.key,
                ours=False,
            )
        if habit == "sister_company_invoice":
            payer = self.pick_payer(lambda p: p.kind in ("company", "near", "person"), minimum=0)
            if payer is None:
                return None
            for _ in range(20):
                ref = self.sister_format.format(
                    y=self.month.year,
                    n=rng.randrange(1, 99999 if "05" in self.sister_format else 9999),
                )
                if ref not in self.our_refs:
                    break
            label = rng.choice(
                (f"FACTURE {ref}", ref, f"REGLEMENT {ref}", f"{ref} {payer.debtor.name}")
            )
            amount = _round_cents(rng.randrange(2000, 300000), 120, 100)
            return self.credit(
                habit,
                payer,
                [],
                amount,
                self.typed(payer, label),
                debtor=payer.debtor.key,
                ours=False,
            )
        if habit == "duplicate":
            originals = [
                c
                for c in earlier
                if c.ours
                and c.invoices
                and c.habit not in ("cheque_single", "direct_debit")
                and c.booking_on < self.days[-1]
            ]
            if not originals:
                return None
            original = rng.choice(originals)
            later = [d for d in self.days if d > original.booking_on]
            return Credit(
                booking_on=rng.choice(later[:5]),
                amount_cents=original.amount_cents,
                label=original.label,
                reference=self.bank_reference("camt") if original.reference else "",
                end_to_end_id=original.end_to_end_id,
                mandate_reference="",
                counterparty_name=original.counterparty_name,
                counterparty_iban=original.counterparty_iban,
                debtor=original.debtor,
                invoices=(),
                habit=habit,
                ours=False,
            )
        if habit == "already_paid":
            payer = self.pick_payer(lambda p: bool(p.closed_keys) and p.kind != "public", minimum=0)
            if payer is None:
                return None
            key = rng.choice(payer.closed_keys)
            text = self.template(payer, self.ref_text(payer, key), key)
            return self.credit(
                habit,
                payer,
                [],
                self.invoices[key].amount_cents,
                self.typed(payer, text),
                debtor=payer.debtor.key,
                ours=False,
            )
        if habit == "lookalike_round":
            payer = self.pick_payer(lambda p: p.kind in ("company", "near", "person"), minimum=0)
            if payer is None:
                return None
            base = _ascii(payer.bank_name).upper()
            sur = _ascii(payer.surname).upper()
            name = rng.choice(
                (
                    base.replace(sur, sur + "EZ") if sur in base else base + " ET CIE",
                    base + " IMMOBILIER",
                    f"M {sur} {_ascii(rng.choice(_FIRSTNAMES)).upper()}",
                    f"SCI {sur}",
                    base.replace(sur, sur + "S") if sur in base else "SCI " + base,
                )
            )
            label = rng.choice(
                (
                    "ACOMPTE",
                    "VIREMENT",
                    f"LOYER {self.month:%m/%Y}",
                    f"DEVIS {self.month.year}-{rng.randrange(10, 300)}",
                    "",
                    "CADEAU",
                )
            )
            amount = rng.choice((5000, 10000, 20000, 30000, 50000, 100000, 150000))
            return self.credit(
                habit,
                None,
                [],
                amount,
                label,
                name=name,
                iban=_french_iban(rng),
                e2e="NOTPROVIDED",
                ours=False,
            )
        city, dept, region = rng.choice(_CITIES)
        if habit == "card_settlement":
            number = rng.randrange(1000000, 9999999)
            label = rng.choice(
                (
                    f"REMISE CB {number} DU {self.day():%d%m%y} NB {rng.randint(3, 90)}",
                    f"REM CARTE {number} {self.day():%d/%m}",
                )
            )
            name, iban, amount = "", "", rng.randrange(2000, 500000)
        elif habit == "caf":
            name, iban = f"CAF {dept}", _french_iban(rng)
            label = rng.choice(
                (
                    f"CAF PRESTATION SERVICE UNIQUE {self.month:%m/%Y}",
                    "CAF PSU ACOMPTE",
                    f"CAF {dept} AIDE {rng.randrange(10**6, 10**7)}",
                )
            )
            amount = rng.randrange(50000, 800000)
        elif habit == "urssaf":
            name, iban = f"URSSAF {region}", _french_iban(rng, "30001")
            label = rng.choice(
                (
                    "REMBOURSEMENT CREDIT COTISATIONS",
                    "URSSAF RBT TROP PERCU",
                    f"URSSAF REMB {rng.randrange(10**8, 10**9)}",
                )
            )
            amount = rng.randrange(3000, 400000)
        elif habit == "interest":
            name, iban = "", ""
            label = rng.choice(
                (
                    "INTERETS CREDITEURS",
                    f"REMUNERATION COMPTE A TERME {self.month:%m%Y}",
                    "INTERETS LIVRET A",
                )
            )
            amount = rng.randrange(100, 60000)
        elif habit == "insurance_refund":
            name, iban = rng.choice(_INSURERS), _french_iban(rng)
            label = rng.choice(
                (
                    f"INDEMNISATION SINISTRE N {rng.randrange(10**9, 10**10)}",
                    "REMBOURSEMENT COTISATION",
                    f"RBT SINISTRE {rng.randrange(10**6, 10**7)}",
                )
            )
            amount = rng.randrange(5000, 900000)
        else:  # own_transfer
            name, iban = _ascii(self.creditor).upper(), self.creditor_iban
            label = rng.choice(
                (
                    "VIREMENT INTERNE",
                    "VIR CPTE A CPTE",
                    "ALIMENTATION COMPTE",
                    "VIREMENT DE TRESORERIE",
                )
            )
            amount = rng.randrange(1, 50) * 100000
        return self.credit(
            habit,
            None,
            [],
            amount,
            label,
            name=name,
            iban=iban,
            e2e="NOTPROVIDED" if name else "",
            ours=False,
        )

    def make(self, habit: str) -> Credit | None:
        if habit in ("exact_ref", "exact_ref_with_po", "typo_ref"):
            return self.exact_ref(habit)
        if habit in ("refs_slash", "refs_plus", "refs_dash", "refs_comma", "refs_et", "refs_space"):
            return self.several(habit)
        simple = {
            "refs_shortened": self.shortened,
            "refs_cut_140": self.cut_140,
            "amount_only": self.amount_only,
            "settle_all": self.settle_all,
            "ref_in_end_to_end": self.ref_in_e2e,
            "partial_ref": self.partial,
            "instalment_no_ref": self.instalment,
            "minus_credit_note": self.minus_credit_note,
            "treasury_pays": self.treasury_pays,
            "direct_debit": self.direct_debit,
            "cheque_single": self.cheque,
        }
        if habit in simple:
            return simple[habit]()
        if habit in ("net_of_fees", "net_of_discount"):
            return self.net_of(habit)
        return self.someone_else(habit)


def _business_days(month: date) -> list[date]:
    holidays = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}
    easter = _easter(month.year)
    moving = {easter + timedelta(days=d) for d in (1, 39, 50)}
    day, days = month.replace(day=1), []
    while day.month == month.month:
        if day.weekday() < 5 and (day.month, day.day) not in holidays and day not in moving:
            days.append(day)
        day += timedelta(days=1)
    return days


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _history(rng: Random, m: _Month) -> list[Credit]:
    """Earlier months' payments of the closed invoices and of the parts already paid."""
    history = []
    start = m.month.replace(day=1)
    for key, inv in m.invoices.items():
        if inv.open and not inv.paid_cents:
            continue
        payer = m.by_key[inv.debtor]
        amount = inv.amount_cents if not inv.open else inv.paid_cents
        paid_on = inv.due_on + timedelta(days=rng.randint(-10, 40))
        paid_on = min(max(paid_on, inv.issued_on + timedelta(days=1)), start - timedelta(days=1))
        text = m.template(payer, m.ref_text(payer, key), key)
        habit = "exact_ref" if inv.open is False else "partial_ref"
        if inv.open is False and rng.random() < 0.25:
            text, habit = "", "amount_only"
        history.append(
            Credit(
                booking_on=paid_on,
                amount_cents=amount,
                label=_cut(m.typed(payer, text), 140),
                reference="",
                end_to_end_id="NOTPROVIDED",
                mandate_reference="",
                counterparty_name=_cut(payer.bank_name, 70),
                counterparty_iban=payer.true_iban,
                debtor=payer.debtor.key,
                invoices=(key,),
                habit=habit,
                ours=True,
            )
        )
    history.sort(key=lambda c: (c.booking_on, c.invoices))
    return history


def generate(
    seed: int = 1,
    debtors: int = 3000,
    invoices: int = 20000,
    credits: int = 2000,
    month: date = date(2026, 10, 1),
) -> World:
    """One creditor's ledger and one month of bank credits, with the truth of each credit."""
    rng = Random(seed)
    month = month.replace(day=1)
    payers, ledger, refs, heads, groups = _ledger(rng, debtors, invoices, month)
    m = _Month(rng, month, payers, ledger, refs, heads, groups)

    n_not_ours = round(credits * NOT_OURS_SHARE)
    ours_habits = [h for h in HABITS if HABITS[h][1]]
    other_habits = [h for h in HABITS if not HABITS[h][1]]
    ours_plan = rng.choices(
        ours_habits, [HABITS[h][0] for h in ours_habits], k=credits - n_not_ours
    )
    other_plan = rng.choices(other_habits, [HABITS[h][0] for h in other_habits], k=n_not_ours)

    month_credits: list[Credit] = []
    for habit in ours_plan:
        credit = m.make(habit)
        if credit is None:
            credit = m.make("exact_ref") or m.make("amount_only")
        if credit is None:  # every open invoice is spoken for: a card settlement instead
            credit = m.not_ours("card_settlement", month_credits)
        month_credits.append(credit)
    for habit in other_plan:
        credit = m.not_ours(habit, month_credits)
        if credit is None:
            credit = m.not_ours("card_settlement", month_credits)
        month_credits.append(credit)

    order = list(range(len(month_credits)))
    rng.shuffle(order)
    rank = {i: n for n, i in enumerate(order)}
    month_credits = [
        c for _, c in sorted(enumerate(month_credits), key=lambda p: (p[1].booking_on, rank[p[0]]))
    ]
    return World(
        debtors=[p.debtor for p in payers],
        invoices=ledger,
        credits=month_credits,
        history=_history(rng, m),
    )
