"""Imports through the API: upload a file, follow its batch, confirm it, read its rejected rows.

A batch goes the way it goes from the upload page (imports.services): the file is kept,
the worker reads it and stops at `preview`, waiting for a decision; `POST …/confirm`
(with the creditor of invoices, when the upload named none) queues the import, and the
worker brings it to `done` (or `failed`, with its message). A spreadsheet whose columns
were not recognised waits in `preview` with `waiting_for: "mapping"`: `POST …/mapping`
says which claim field each column holds, and the file is read again. `waiting_for` says
what the batch waits for; `GET …/errors` lists the rows that were not imported.

Uploading, confirming, mapping and relaunching need the `imports` scope; a key restricted
to a mandant only reads (as a mandant on the pages).
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.core.uploads import validate_upload_size
from recouvra.imports import messages, services
from recouvra.imports.forms import MappingForm
from recouvra.imports.models import ImportBatch, ImportKind, ImportRowError, ImportStatus
from recouvra.imports.parsers.ledger_fields import FIELD_LABELS
from recouvra.ledger.models import Creditor

from ..filters import MomentFilter
from ..models import Scope
from ..pagination import Cursor
from ..serializers import StrictModelSerializer, StrictSerializer
from ..views import TenantViewSet
from .shared import BlankAsNullChoiceField, MayWrite, conflict, id_filter, problems, read_schema

# what a multipart body adds to the file itself (boundaries, headers, the creditor field)
MULTIPART_MARGIN = 64 * 1024
PREVIEW_ERRORS = 50  # the preview keeps the first 50 unreadable rows (services.PREVIEW_ROWS)


# ---------------------------------------------------------------- what is answered


ROW_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "line": {"type": "integer", "nullable": True},
        "field": {"type": "string"},
        "field_label": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["line", "field", "field_label", "message"],
}


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "invalid": {"type": "integer"},
        },
        "required": ["total", "created", "updated", "unchanged", "invalid"],
    }
)
class CountsField(serializers.Field):
    """What importing the batch did, row by row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, batch: ImportBatch) -> dict[str, int]:
        return {
            "total": batch.rows_total,
            "created": batch.rows_created,
            "updated": batch.rows_updated,
            "unchanged": batch.rows_unchanged,
            "invalid": batch.rows_invalid,
        }


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": _(
            "Ce que contient le fichier, lu avant l'import (null tant qu'il n'est pas lu)."
        ),
        "properties": {
            "claims": {"type": "integer", "nullable": True},
            "total_cents": {"type": "integer", "nullable": True},
            "bank_lines": {"type": "integer", "nullable": True},
            "errors_count": {"type": "integer"},
            "errors": {"type": "array", "items": ROW_ERROR_SCHEMA},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "columns": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "headers": {"type": "array", "items": {"type": "string"}},
                    "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "required": ["headers", "mapping"],
            },
        },
        "required": [
            "claims",
            "total_cents",
            "bank_lines",
            "errors_count",
            "errors",
            "warnings",
            "columns",
        ],
    }
)
class PreviewField(serializers.Field):
    """The preview the batch page shows: counts, unreadable rows, the file's columns."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, batch: ImportBatch) -> dict[str, Any] | None:
        preview = batch.preview if isinstance(batch.preview, dict) else {}
        if not preview:
            return None
        accounts = preview.get("accounts")
        columns = preview.get("columns")
        return {
            "claims": preview.get("claims"),
            "total_cents": preview.get("total_cents"),
            "bank_lines": None if accounts is None else sum(a.get("count", 0) for a in accounts),
            "errors_count": preview.get("errors_count", 0),
            "errors": [row_error(e) for e in preview.get("errors", [])[:PREVIEW_ERRORS]],
            "warnings": [str(w) for w in preview.get("warnings", [])],
            "columns": None
            if not columns
            else {
                "headers": [str(h) for h in columns.get("headers", [])],
                "mapping": {str(k): str(v) for k, v in (columns.get("mapping") or {}).items()},
            },
        }


def row_error(error: Any) -> dict[str, Any]:
    """A row error of a preview (its JSON) or of an import (ImportRowError), as answered."""
    if isinstance(error, ImportRowError):
        line, field, message = error.line, error.field, error.reason
    else:
        line, field, message = error.get("line"), error.get("field", ""), messages.reason(error)
    return {
        "line": line,
        "field": field or "",
        "field_label": messages.field_label(field or ""),
        "message": str(message),
    }


class ImportBatchSerializer(StrictModelSerializer):
    kind = BlankAsNullChoiceField(
        ImportKind.choices,
        help_text=_("Ce que contient le fichier ; null tant qu'il n'est pas lu."),
    )
    counts = CountsField()
    preview = PreviewField()
    waiting_for = serializers.SerializerMethodField(
        help_text=_(
            "Ce que l'import attend : « confirmation » (POST …/confirm), « creditor » (le "
            "créancier des factures, à donner à la confirmation), « mapping » (POST …/mapping), "
            "« retry » (POST …/retry) ; null s'il n'attend rien de vous."
        )
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "format",
            "filename",
            "size",
            "sha256",
            "creditor",
            "status",
            "progress",
            "waiting_for",
            "message",
            "counts",
            "preview",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "nullable": True,
            "enum": ["confirmation", "creditor", "mapping", "retry", None],
        }
    )
    def get_waiting_for(self, batch: ImportBatch) -> str | None:
        if batch.can_retry:
            return "retry"
        if batch.status != ImportStatus.PREVIEW:
            return None
        columns = (batch.preview or {}).get("columns") or {}
        if columns and not columns.get("mapping"):
            return "mapping"
        if batch.kind == ImportKind.LEDGER and batch.creditor_id is None:
            return "creditor"
        return "confirmation"


class RowErrorSerializer(serializers.Serializer):
    """A row of the file that was not imported, and why."""

    line = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(help_text=_("Le champ en cause (code), vide si aucun."))
    field_label = serializers.CharField(help_text=_("Le même, en toutes lettres."))
    message = serializers.CharField()

    def to_representation(self, error: ImportRowError) -> dict[str, Any]:
        return row_error(error)


# ---------------------------------------------------------------- what is received


class VisibleCreditorField(serializers.PrimaryKeyRelatedField):
    """A creditor the key sees (another organisation's reads as unknown)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Creditor.objects.all(), **kwargs)

    def get_queryset(self) -> Any:
        return Creditor.objects.visible_to(self.context["view"].member)


class UploadSerializer(StrictSerializer):
    file = serializers.FileField(
        validators=[validate_upload_size],
        help_text=_(
            "Le fichier : balance clients (CSV, XLSX), FEC, facture Factur-X ou CII, relevé "
            "bancaire (CFONB 120, camt.053/054, MT940, OFX), reconnu à son contenu."
        ),
    )
    creditor = VisibleCreditorField(
        required=False,
        allow_null=True,
        help_text=_("Le créancier des factures (inutile pour un relevé bancaire)."),
    )


class ConfirmSerializer(StrictSerializer):
    creditor = VisibleCreditorField(
        required=False,
        allow_null=True,
        help_text=_("Le créancier des factures, si l'envoi n'en nommait pas."),
    )


class MappingSerializer(StrictSerializer):
    mapping = serializers.DictField(
        child=serializers.ChoiceField(choices=list(FIELD_LABELS)),
        help_text=_(
            "Pour chaque colonne (son en-tête, tel que dans preview.columns.headers), le champ "
            "qu'elle contient ; une colonne absente est ignorée. « reference » et "
            "« amount_cents » sont obligatoires."
        ),
    )


class ImportBatchFilter(django_filters.FilterSet):
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")
    creditor = id_filter("creditor_id")

    class Meta:
        model = ImportBatch
        fields = ["status", "kind", "creditor"]


# ---------------------------------------------------------------- the views


@extend_schema_view(**read_schema(ImportBatchSerializer))
class ImportBatchViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    model = ImportBatch
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    ordering_fields: ClassVar[list[str]] = ["id", "created_at", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    parser_classes: ClassVar[list] = [MultiPartParser]  # the upload; actions take JSON
    write_scope = Scope.IMPORTS
    permission_classes: ClassVar[list] = [*TenantViewSet.permission_classes, MayWrite]

    @property
    def max_body_bytes(self) -> int | None:  # type: ignore[override]
        """An upload may be as big as on the page (UPLOAD_MAX_BYTES)."""
        if getattr(self, "action", None) == "create":
            return settings.UPLOAD_MAX_BYTES + MULTIPART_MARGIN
        return None

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("creditor")

    @extend_schema(
        summary=_("Envoyer un fichier à importer"),
        description=_(
            "Le fichier est gardé, puis lu en tâche de fond : le lot passe de « queued » à "
            "« preview » et attend une décision (waiting_for). « confirmation » : POST "
            "…/confirm lance l'import (le lot finit « done » ou « failed » avec son message) ; "
            "« creditor » : le créancier des factures est à donner à la confirmation ; "
            "« mapping » : colonnes non reconnues, POST …/mapping dit ce que contient chaque "
            "colonne et le fichier est relu ; « retry » : lecture ou import interrompus, POST "
            "…/retry les relance. Les lignes rejetées : GET …/errors. Réimporter le même "
            "fichier ne change rien."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportBatchSerializer, **problems(400, 401, 403, 413, 415, 422, 429)},
    )
    def create(self, request: Request) -> Response:
        given = UploadSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        try:
            batch = services.upload(
                self.member,
                given.validated_data["file"],
                creditor=given.validated_data.get("creditor"),
                actor=request.user,
            )
        except services.UploadRefused as refused:
            raise exceptions.ValidationError({"file": [str(refused)]}) from refused
        headers = {"Location": f"{request.path.rstrip('/')}/{batch.pk}"}
        body = self.get_serializer(batch).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary=_("Lignes rejetées à l'import"),
        parameters=[
            OpenApiParameter("cursor", str, description=_("La page suivante (lien next).")),
            OpenApiParameter("page_size", int, description=_("Lignes par page (au plus 1000).")),
        ],
        responses={200: RowErrorSerializer(many=True), **problems(400, 401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"], url_path="errors")
    def errors(self, request: Request, pk: str) -> Response:
        batch = self.get_object()
        paginator = Cursor()  # by id, the order rows were read in (not the batch's filters)
        page = paginator.paginate_queryset(batch.row_errors.order_by("id"), request, view=None)
        return paginator.get_paginated_response([row_error(e) for e in page])

    @extend_schema(
        summary=_("Confirmer l'import après l'aperçu"),
        request=ConfirmSerializer,
        responses={202: ImportBatchSerializer, **problems(400, 401, 403, 404, 409, 415, 422, 429)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def confirm(self, request: Request, pk: str) -> Response:
        batch = self.get_object()
        given = ConfirmSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        creditor = given.validated_data.get("creditor")
        try:
            services.confirm(batch, mapping=None, creditor=creditor, actor=request.user)
        except services.BatchRefused as refused:
            if refused.field:
                raise exceptions.ValidationError({refused.field: [str(refused)]}) from refused
            return conflict(str(refused))
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("Dire ce que contient chaque colonne, puis relire le fichier"),
        request=MappingSerializer,
        responses={202: ImportBatchSerializer, **problems(400, 401, 403, 404, 409, 415, 422, 429)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def mapping(self, request: Request, pk: str) -> Response:
        batch = self.get_object()
        given = MappingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        headers = ((batch.preview or {}).get("columns") or {}).get("headers") or []
        if batch.status != ImportStatus.PREVIEW or not headers:
            return conflict(_("Cet import n'attend pas de correspondance de colonnes."))
        mapping = checked_mapping(headers, given.validated_data["mapping"])
        try:
            services.remap(batch, mapping, actor=request.user)
        except services.BatchRefused as refused:
            return conflict(str(refused))
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("Relancer un import interrompu"),
        request=None,
        responses={202: ImportBatchSerializer, **problems(400, 401, 403, 404, 409, 422, 429)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def retry(self, request: Request, pk: str) -> Response:
        batch = self.get_object()
        if not services.retry(batch, actor=request.user):
            return conflict(_("Cet import ne peut pas être relancé."))
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)


def checked_mapping(headers: list[str], wanted: dict[str, str]) -> dict[str, str]:
    """The mapping, checked by the page's form (both required fields, no field twice)."""
    unknown = [header for header in wanted if header not in headers]
    if unknown:
        absent = [_("Colonne absente du fichier.")]
        raise exceptions.ValidationError({"mapping": dict.fromkeys(unknown, absent)})
    data = {f"col_{i}": wanted.get(header, "") for i, header in enumerate(headers)}
    form = MappingForm(data, headers=headers, mapping={})
    if not form.is_valid():
        errors: dict[str, list[str]] = {}
        for name, found in form.errors.items():
            key = "non_field_errors" if name == "__all__" else headers[int(name[4:])]
            errors[key] = [str(message) for message in found]
        raise exceptions.ValidationError({"mapping": errors})
    return form.mapping()


routes = [("imports", ImportBatchViewSet, "import")]
paths: list = []
