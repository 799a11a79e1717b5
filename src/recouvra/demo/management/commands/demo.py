"""`demo`: load the French demo dataset and print the demo accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recouvra.api.keys import create_key, find_key
from recouvra.api.models import Scope
from recouvra.core.models import Organization, Role
from recouvra.demo import builder
from recouvra.demo.organisations import COMPANY_NAME, DEFAULT_SEED, DEMO_URL, DEMO_USERS
from recouvra.demo.statement import write_demo_statement


class Command(BaseCommand):
    help = (
        "Charge un jeu de données de démonstration : une entreprise, un cabinet de "
        "recouvrement et ses mandants, environ 500 débiteurs et 5 000 créances."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="Supprime d'abord les organisations et comptes de démonstration.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne charge les données que si la base ne contient encore aucune organisation.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Graine (défaut : %(default)s).",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Taille relative du jeu de données (défaut : %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0:
            raise CommandError("--scale doit être strictement positif.")
        exists = Organization.objects.exists()
        if options["if_empty"] and exists:
            self.stdout.write(
                "La démonstration est déjà chargée (la base contient des organisations) : "
                "rien n'est modifié."
            )
        else:
            if exists and not options["reset"]:
                raise CommandError(
                    "La base contient déjà des organisations. Relancez avec --reset pour "
                    "supprimer les organisations de démonstration et les recréer, ou avec "
                    "--if-empty pour ne rien faire."
                )
            if options["reset"]:
                builder.delete_demo()
                self.stdout.write("Organisations de démonstration supprimées.")
            counts = builder.build_demo(seed=options["seed"], scale=options["scale"])
            seconds = counts.pop("durée_ms") / 1000
            summary = ", ".join(f"{n} {label}" for label, n in counts.items())
            self.stdout.write(
                self.style.SUCCESS(f"Démonstration chargée en {seconds:.1f} s : {summary}.")
            )
        self.print_credentials()
        self.write_statement()
        self.write_api_key()

    def write_statement(self) -> None:
        """A bank statement paying some demo invoices, to try Imports → Lettrage."""
        from django.conf import settings

        path = Path(settings.VAR_DIR) / "demo" / "releve-batimat.cfo"
        write_demo_statement(path, COMPANY_NAME)
        self.stdout.write(
            f"Relevé bancaire de démonstration à importer (Imports, compte {COMPANY_NAME}) : {path}"
        )

    def write_api_key(self) -> None:
        """An API key of the demo company, to try the API (docs/api.md), kept in a file
        readable by its owner only: made again when the file is gone or its key revoked."""
        from django.conf import settings

        path = Path(settings.VAR_DIR) / "demo" / "cle-api.txt"
        if path.exists() and find_key(path.read_text().strip()) is not None:
            self.stdout.write(f"Clé d'API de démonstration ({COMPANY_NAME}) : {path}")
            return
        company = Organization.objects.filter(name=COMPANY_NAME).first()
        if company is None:
            return
        new = create_key(company, name="Démo (curl)", scopes=[s.value for s in Scope])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(new.secret + "\n")
        self.stdout.write(f"Clé d'API de démonstration ({COMPANY_NAME}) : {path}")

    def print_credentials(self) -> None:
        rows = [("Rôle", "Organisation", "E-mail", "Mot de passe")]
        for user in DEMO_USERS:
            role = str(Role(user["role"]).label)
            if user.get("creditor"):
                role = f"{role} ({user['creditor']})"
            if user.get("is_superuser"):
                role = f"{role}, accès /admin/"
            rows.append((role, user["org"], user["email"], user["password"]))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
        ]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Comptes de démonstration"))
        self.stdout.write(lines[0].rstrip())
        self.stdout.write("  ".join("-" * w for w in widths))
        for line in lines[1:]:
            self.stdout.write(line.rstrip())
        self.stdout.write("")
        self.stdout.write(f"Ouvrez {DEMO_URL} et connectez-vous avec l'un de ces comptes.")
