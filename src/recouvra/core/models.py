"""Tenants (organisations), users, memberships with roles, and the audit log."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any, Self
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_bic, validate_iban, validate_sepa_creditor_id, validate_siren


class OrganizationKind(models.TextChoices):
    COMPANY = "company", _("Entreprise (recouvrement de ses propres créances)")
    AGENCY = "agency", _("Cabinet de recouvrement")


LOGO_MAX_BYTES = 512 * 1024
LOGO_SUFFIXES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".svg": "svg"}


def validate_logo(upload: Any) -> None:
    """PNG, JPEG or SVG that typst can read (the letters show it), 512 KB at most."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Le logo dépasse 512 Ko."), code="logo_too_big")
    suffix = PurePath(upload.name).suffix.lower()
    upload.seek(0)
    image = upload.read()
    upload.seek(0)
    if suffix not in LOGO_SUFFIXES or not _typst_reads(image, suffix):
        raise ValidationError(_("Le logo doit être une image PNG, JPEG ou SVG."), code="logo_type")


def _typst_reads(image: bytes, suffix: str) -> bool:
    import tempfile

    import typst

    source = f'#image("logo{suffix}", format: "{LOGO_SUFFIXES[suffix]}", width: 1cm)'
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"logo{suffix}").write_bytes(image)
        try:
            typst.compile(source.encode(), root=folder, format="svg")
        except (typst.TypstError, RuntimeError):
            return False
    return True


def logo_path(instance: Organization, filename: str) -> str:
    """A new name for every upload, so that a name always means the same image (the
    letters keep a copy of a logo by its name)."""
    return f"logos/{uuid4().hex}{PurePath(filename).suffix.lower()}"


class Organization(models.Model):
    """A tenant: a company collecting its own debts, or a collection agency."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices)
    siren = models.CharField(_("SIREN"), max_length=9, validators=[validate_siren])
    address = models.TextField(_("adresse"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to=logo_path,
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG, JPEG ou SVG, 512 Ko au plus : en tête des courriers."),
    )
    # its bank: where debtors pay and direct debits are collected (for an agency, the
    # account dedicated to the funds collected for its mandants, CPCE R124-2)
    bank_iban = models.CharField(
        _("IBAN du compte d'encaissement"), max_length=34, blank=True, validators=[validate_iban]
    )
    bank_bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    sepa_creditor_id = models.CharField(
        _("identifiant créancier SEPA (ICS)"),
        max_length=35,
        blank=True,
        validators=[validate_sepa_creditor_id],
        help_text=_("Nécessaire pour prélever les débiteurs (mandats SEPA)."),
    )
    # how promises and plans are judged against the payments received
    promise_tolerance_cents = models.PositiveIntegerField(
        _("tolérance sur les promesses (centimes)"),
        default=100,
        help_text=_("Une promesse payée à ce montant près est tenue."),
    )
    promise_grace_days = models.PositiveSmallIntegerField(
        _("délai de grâce des promesses (jours)"),
        default=3,
        help_text=_("Jours laissés au paiement après la date promise avant de la dire non tenue."),
    )
    plan_grace_days = models.PositiveSmallIntegerField(
        _("délai de grâce des échéanciers (jours)"),
        default=15,
        help_text=_(
            "Jours après une échéance impayée avant la déchéance du terme de l'échéancier."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_agency(self) -> bool:
        return self.kind == OrganizationKind.AGENCY


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    AGENT = "agent", _("Agent de recouvrement")
    FIELD_COLLECTOR = "field_collector", _("Encaisseur terrain")
    LEGAL_PARTNER = "legal_partner", _("Partenaire juridique")
    MANDANT = "mandant", _("Mandant")


WRITE_ROLES = {Role.ADMIN, Role.AGENT}


class Membership(models.Model):
    """A user's place in an organisation: the role decides what they see and do."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    # For a mandant: the creditor (agency client) whose files they may read.
    creditor = models.ForeignKey(
        "ledger.Creditor",
        verbose_name=_("mandant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.role == Role.MANDANT and self.creditor_id is None:
            raise ValidationError({"creditor": _("Un mandant doit être rattaché à son créancier.")})
        if self.creditor_id and self.creditor.organization_id != self.organization_id:
            raise ValidationError(
                {"creditor": _("Ce créancier appartient à une autre organisation.")}
            )

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class TenantQuerySet(models.QuerySet):
    """Every business query starts with visible_to(member): the tenant, then the role."""

    def visible_to(self, member: Membership | None) -> Self:
        if member is None or not member.is_active:
            return self.none()
        qs = self.filter(organization_id=member.organization_id)
        if member.role == Role.MANDANT:
            return self._restricted(qs, self.model.creditor_lookup, member.creditor_id)
        if member.role == Role.LEGAL_PARTNER:  # sees only the cases handed to them
            return self._restricted(qs, self.model.partner_lookup, member.pk)
        return qs

    def _restricted(self, qs: Self, lookup: str | None, value: int | None) -> Self:
        if lookup is None or value is None:
            return qs.none()
        if "__" not in lookup:
            return qs.filter(**{lookup: value})
        # a lookup through a to-many relation would repeat rows: filter by primary key
        matching = self.model._default_manager.filter(**{lookup: value}).values("pk")
        return qs.filter(pk__in=Subquery(matching))


class TenantModel(models.Model):
    """Base of every business row: it belongs to one organisation."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    # lookups from this model to its creditor and to the legal partner's membership
    creditor_lookup: str | None = None
    partner_lookup: str | None = None

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Création")
    UPDATE = "update", _("Modification")
    DELETE = "delete", _("Suppression")


class AuditEvent(models.Model):
    """Append-only change log: who changed which object, when, and which fields."""

    # indexed by audit_org_time_idx and audit_object_idx below: an index less to keep up
    # on each of the tens of thousands of events a lettrage run or an import writes
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    # {"field": [before, after]} for updates; the full snapshot for create/delete
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the history panel of one object
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            # a tenant's log, newest first
            models.Index(fields=["organization", "-created_at"], name="audit_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("audit events are append-only")


class PasswordResetRequest(models.Model):
    """A password reset mail let through, kept a day to throttle the next ones (auth.py)."""

    email = models.EmailField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # "a mail to this address in the last minutes?"
            models.Index(fields=["email", "requested_at"], name="reset_email_idx"),
            # "how many asked from this client in the last hour?"
            models.Index(fields=["ip_address", "requested_at"], name="reset_ip_idx"),
            # the pruning of requests older than a day
            models.Index(fields=["requested_at"], name="reset_requested_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.requested_at:%d/%m/%Y %H:%M}"


class WorkerHeartbeat(models.Model):
    """A background worker (`recouvra worker`) saying it is alive.

    The clock re-queues the running tasks of a worker that stopped beating (core/worker.py).
    `process` identifies the worker's process on its machine (boot, process namespace,
    pid, start time): a clock on the same machine asks the system whether it still exists
    rather than waiting for the lease; empty where the system cannot tell.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    queues = models.CharField(max_length=200)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    process = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("processus de fond")
        verbose_name_plural = _("processus de fond")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.queues})"
