"""Invented people, companies, places and identifiers for the demo.

E-mail addresses use the reserved `.example` top-level domain and telephone numbers the
ranges ARCEP sets aside for fiction, so that no reminder can reach a real person. Every
function draws from the random generator it is given.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

from schwifty import IBAN

from recouvra.core.search import normalize
from recouvra.law.identifiers import siren_check_digit

MIN_CENTS = 50_00
MAX_CENTS = 60_000_00

# --- names and places ------------------------------------------------------------------

FIRST_NAMES = (
    "Jean", "Marie", "Pierre", "Nathalie", "Michel", "Isabelle", "Philippe", "Sylvie",
    "Alain", "Catherine", "Nicolas", "Sandrine", "Christophe", "Valérie", "Laurent", "Céline",
    "Stéphane", "Aurélie", "Frédéric", "Émilie", "Sébastien", "Hélène", "Jérôme", "Élodie",
    "François", "Françoise", "Éric", "Cécile", "Benoît", "Mélanie", "Julien", "Chloé",
    "Thomas", "Léa", "Hugo", "Zoé", "Loïc", "Anaïs", "Raphaël", "Maëlle", "Noël", "Inès",
    "Jérémy", "Gaëlle", "Étienne", "Agnès", "Damien", "Sophie", "Karim", "Nadia", "Yannick",
    "Océane", "Mathéo", "Clémence", "Rémi", "Margaux", "Guillaume", "Amélie", "Joël", "Lucie",
)  # fmt: skip

LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Gérard",
    "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roche", "Noël", "Meyer",
    "Meunier", "Pérez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas",
    "Brunet", "Schmitt", "Leroux", "Colin", "Renard", "Arnaud", "Caron", "Aubert", "Giraud",
    "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix",
    "Fabre", "Dupuis", "Rivière", "Le Gall", "Ménard", "Fleury", "Deschamps", "Carpentier",
    "Prévost", "Poirier", "Charpentier", "Carré", "Rémy", "Bégué", "Lefrançois", "Besançon",
    "Étienne", "Hébert", "Benoît", "Chauvière", "Maréchal", "Desprès", "Lesueur", "Barthélemy",
)  # fmt: skip

STREETS = (
    "rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République",
    "place de l'Église", "allée des Érables", "rue Émile Zola", "avenue du Général Leclerc",
    "rue Pasteur", "rue des Écoles", "boulevard Carnot", "rue de la Gare", "rue du Moulin",
    "chemin des Vignes", "rue Saint-Éloi", "rue Aristide Briand", "rue Jules Ferry",
    "avenue Foch", "rue du Général de Gaulle", "rue de Verdun", "rue Nationale",
    "place du Marché", "rue des Tanneurs", "impasse des Lilas", "rue de la Forêt",
    "avenue de la Libération", "rue Marcel Pagnol", "rue des Frênes", "quai de la Fontaine",
    "rue du Château d'Eau", "rue Édouard Herriot", "chemin de la Côte",
)  # fmt: skip

ADDRESS_COMPLEMENTS = ("", "Bâtiment B", "Appartement 12", "Résidence Les Érables")

BUSINESS_PARKS = (
    "ZI des Platières", "ZA du Chêne", "Parc d'activités de la Plaine", "ZI Nord",
    "ZAC des Érables", "Parc d'activités du Moulin", "ZA Les Près Secs", "ZI de l'Étang",
)  # fmt: skip

# (city, postal code)
RHONE_ALPES = (
    ("Lyon", "69003"), ("Lyon", "69007"), ("Lyon", "69008"), ("Villeurbanne", "69100"),
    ("Vénissieux", "69200"), ("Bron", "69500"), ("Saint-Priest", "69800"),
    ("Vaulx-en-Velin", "69120"), ("Caluire-et-Cuire", "69300"), ("Écully", "69130"),
    ("Genas", "69740"), ("Meyzieu", "69330"), ("Villefranche-sur-Saône", "69400"),
    ("Décines-Charpieu", "69150"), ("Givors", "69700"), ("Tarare", "69170"),
    ("Saint-Étienne", "42000"), ("Roanne", "42300"), ("Grenoble", "38000"),
    ("Échirolles", "38130"), ("Vienne", "38200"), ("Bourgoin-Jallieu", "38300"),
    ("Bourg-en-Bresse", "01000"), ("Mâcon", "71000"), ("Chambéry", "73000"),
    ("Annecy", "74000"), ("Valence", "26000"), ("Montélimar", "26200"),
)  # fmt: skip

FRANCE = (
    ("Paris", "75011"), ("Paris", "75015"), ("Paris", "75018"), ("Marseille", "13005"),
    ("Toulouse", "31000"), ("Nice", "06000"), ("Nantes", "44000"), ("Montpellier", "34000"),
    ("Strasbourg", "67000"), ("Bordeaux", "33000"), ("Lille", "59000"), ("Rennes", "35000"),
    ("Reims", "51100"), ("Le Havre", "76600"), ("Toulon", "83000"), ("Dijon", "21000"),
    ("Angers", "49000"), ("Nîmes", "30000"), ("Clermont-Ferrand", "63000"),
    ("Le Mans", "72000"), ("Aix-en-Provence", "13100"), ("Brest", "29200"), ("Tours", "37000"),
    ("Amiens", "80000"), ("Limoges", "87000"), ("Besançon", "25000"), ("Orléans", "45000"),
    ("Metz", "57000"), ("Rouen", "76000"), ("Mulhouse", "68100"), ("Caen", "14000"),
    ("Nancy", "54000"), ("Argenteuil", "95100"), ("Montreuil", "93100"),
    ("Saint-Denis", "93200"), ("Créteil", "94000"), ("Évry-Courcouronnes", "91000"),
    ("Béziers", "34500"), ("Perpignan", "66000"), ("Pau", "64000"), ("La Rochelle", "17000"),
    ("Poitiers", "86000"), ("Sète", "34200"), ("Châteauroux", "36000"),
    ("Périgueux", "24000"), ("Quimper", "29000"), ("Lyon", "69008"), ("Grenoble", "38000"),
)  # fmt: skip

BUILDING_TRADES = (
    "Menuiserie", "Maçonnerie", "Plomberie", "Couverture", "Charpente", "Électricité",
    "Carrelage", "Peinture", "Plâtrerie", "Terrassement", "Chauffage", "Isolation",
    "Façades", "Serrurerie", "Ébénisterie", "Rénovation",
)  # fmt: skip

BUILDING_SUFFIXES = ("Bâtiment", "Construction", "Rénovation", "et Fils", "Frères", "BTP")

SME_TRADES = (
    "Boulangerie", "Pharmacie", "Garage", "Transports", "Imprimerie", "Cabinet comptable",
    "Restaurant", "Hôtel", "Boucherie", "Fleuriste", "Agence immobilière", "Auto-école",
    "Optique", "Salon de coiffure", "Librairie", "Cave", "Traiteur", "Pâtisserie",
    "Brasserie", "Clinique vétérinaire", "Pressing", "Épicerie fine", "Crèche", "Cabinet",
)  # fmt: skip

LEGAL_FORMS = ("SAS", "SARL", "EURL", "SA", "")
LEGAL_FORM_WEIGHTS = (34, 34, 12, 6, 14)

PERSON_MAIL_DOMAINS = ("orange.example", "free.example", "laposte.example", "mail.example")

# French bank codes (code banque) for the debtors' and creditors' IBANs.
BANK_CODES = ("30004", "30002", "20041", "10278", "30066", "17515", "18206", "11306", "10907")

# Fictional telephone ranges reserved by ARCEP, by area (01 Île-de-France … 05 south-west).
PHONE_RANGES = {
    "01": "01 99 00",
    "02": "02 61 91",
    "03": "03 53 01",
    "04": "04 65 71",
    "05": "05 36 49",
}
MOBILE_RANGE = "06 39 98"
AREA_BY_DEPARTMENT = {
    **dict.fromkeys(("75", "77", "78", "91", "92", "93", "94", "95"), "01"),
    **dict.fromkeys(("14", "29", "35", "36", "37", "44", "45", "49", "72", "76"), "02"),
    **dict.fromkeys(("21", "25", "51", "54", "57", "59", "67", "68", "80"), "03"),
    **dict.fromkeys(("17", "24", "31", "33", "64", "86", "87"), "05"),
}

# --- collection scenarios --------------------------------------------------------------


def slug(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in normalize(text)).split()
    return "-".join(words)


def weighted(rng: random.Random, pairs: Any) -> Any:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return rng.choices(values, weights=weights)[0]


def lognormal_cents(rng: random.Random, median_cents: int, sigma_milli: int) -> int:
    """An amount spread log-normally around median_cents, within [50 €, 60,000 €].

    The random draw is a dimensionless factor; it is turned into an integer number of
    parts per million before it touches the amount, which stays an int throughout.
    Out-of-range draws are drawn again rather than piled up on the bounds.
    """
    cents = median_cents
    for _attempt in range(20):
        z = rng.gauss(0.0, 1.0)
        factor_ppm = int(math.exp(sigma_milli * z / 1000) * 1_000_000)
        cents = median_cents * factor_ppm // 1_000_000
        if MIN_CENTS <= cents <= MAX_CENTS:
            return cents
    return min(max(cents, MIN_CENTS), MAX_CENTS)


def percent_of(cents: int, percent: int) -> int:
    return cents * percent // 100


def siren(rng: random.Random, taken: set[str]) -> str:
    while True:
        first_eight = str(rng.randint(3, 9)) + f"{rng.randint(0, 9_999_999):07d}"
        siren = first_eight + siren_check_digit(first_eight)
        if siren not in taken:
            taken.add(siren)
            return siren


def siret(rng: random.Random, siren: str) -> str:
    from stdnum import luhn

    thirteen = siren + f"000{rng.randint(1, 9)}"
    return thirteen + luhn.calc_check_digit(thirteen)


def iban(rng: random.Random) -> str:
    return IBAN.generate(
        "FR",
        bank_code=rng.choice(BANK_CODES),
        branch_code=f"{rng.randint(1, 99_999):05d}",
        account_code=f"{rng.randint(0, 99_999_999_999):011d}",
    ).compact


def phone(rng: random.Random, postal_code: str) -> str:
    area = AREA_BY_DEPARTMENT.get(postal_code[:2], "04")
    return f"{PHONE_RANGES[area]} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def mobile(rng: random.Random) -> str:
    return f"{MOBILE_RANGE} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def street(rng: random.Random) -> str:
    number = rng.randint(1, 120)
    suffix = rng.choices(("", " bis", " ter"), weights=(92, 6, 2))[0]
    return f"{number}{suffix} {rng.choice(STREETS)}"


def rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",")
