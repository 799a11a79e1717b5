"""recouvra api-key create --organization SIREN --name NAME --scopes read,write
[--mandant CREDITOR_ID] [--expires YYYY-MM-DD]: prints the key alone on its last line.
recouvra api-key list --organization SIREN; recouvra api-key revoke PREFIX."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recouvra.api.keys import create_key, revoke_key
from recouvra.api.models import ApiKey
from recouvra.core.models import Organization
from recouvra.ledger.models import Creditor


class Command(BaseCommand):
    help = "Create, list or revoke the API keys of an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a key; prints it on the last line")
        create.add_argument("--organization", required=True, help="the organisation's SIREN")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="read,write,imports,payments")
        create.add_argument("--mandant", type=int, help="restrict to this creditor (its id)")
        create.add_argument("--expires", type=date.fromisoformat, help="YYYY-MM-DD")
        listing = actions.add_parser("list", help="the keys of an organisation")
        listing.add_argument("--organization", required=True, help="the organisation's SIREN")
        revoke = actions.add_parser("revoke", help="revoke a key, given its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, options["action"])(options)

    def create(self, options: dict[str, Any]) -> None:
        organization = _organization(options["organization"])
        mandant = None
        if options["mandant"] is not None:
            mandant = Creditor.objects.filter(
                organization=organization, pk=options["mandant"]
            ).first()
            if mandant is None:
                raise CommandError(f"no creditor {options['mandant']} in {organization.name}")
        expires_at = None
        if options["expires"] is not None:
            expires_at = timezone.make_aware(datetime.combine(options["expires"], time.min))
        try:
            new = create_key(
                organization,
                name=options["name"],
                scopes=options["scopes"].split(","),
                mandant=mandant,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        key = new.api_key
        self.stderr.write(
            f"key {key.name!r} for {organization.name}: scopes {','.join(key.scopes)}"
            + (f", mandant {mandant.name}" if mandant else "")
        )
        self.stdout.write(new.secret)

    def list(self, options: dict[str, Any]) -> None:
        organization = _organization(options["organization"])
        for key in ApiKey.objects.filter(organization=organization):
            state = "revoked" if key.revoked_at else ("expired" if key.is_expired() else "active")
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            self.stdout.write(
                f"rcv_{key.prefix}\t{state}\t{','.join(key.scopes)}\t{used}\t{key.name}"
            )

    def revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"].removeprefix("rcv_").split("_")[0]
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"no key with prefix {prefix}")
        revoke_key(key, actor=None)
        self.stdout.write(f"revoked {key.name}")


def _organization(siren: str) -> Organization:
    found = Organization.objects.filter(siren=siren.replace(" ", "")).first()
    if found is None:
        raise CommandError(f"no organisation with SIREN {siren}")
    return found
