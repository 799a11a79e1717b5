"""API resources of the SEPA direct debits: mandates (create with the page's checks, list,
read, revoke), collections (list, read, the pain.008 file), direct debits (list, filters)
and the upload of a bank file of returns. Every write is a recouvra.sepa.services call."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from recouvra.core.uploads import validate_upload_size
from recouvra.imports.parsers.detect import parse_file
from recouvra.imports.records import BankStatement, ParseError
from recouvra.ledger.models import Creditor, Debtor
from recouvra.sepa import services
from recouvra.sepa.models import (
    Collection,
    CollectionStatus,
    DebitStatus,
    DirectDebit,
    Mandate,
    MandateStatus,
)

from ..filters import UpdatedSince
from ..models import Scope
from ..serializers import CentsField, SignedCentsField, StrictModelSerializer, StrictSerializer
from ..views import TenantViewSet
from .cases import ID_SCHEMA, Conflict, Visible, bounded_date, nothing_sent
from .shared import MayWrite, StrictCharField, id_filter, problems, read_schema

MULTIPART_MARGIN = 64 * 1024


@extend_schema_field(ID_SCHEMA)
class VisibleDebtor(Visible):
    model = Debtor


@extend_schema_field(ID_SCHEMA)
class VisibleCreditor(Visible):
    model = Creditor


def as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's (a problem naming the fields)."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


# ---------------------------------------------------------------- mandates


class DirectDebitMandateSerializer(StrictModelSerializer):
    expires_on = serializers.SerializerMethodField()

    class Meta:
        model = Mandate
        fields = [
            "id",
            "debtor",
            "creditor",
            "reference",
            "iban",
            "bic",
            "account_holder",
            "signed_on",
            "prenotice_days",
            "next_sequence",
            "status",
            "revoked_on",
            "last_used_on",
            "expires_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_expires_on(self, mandate: Mandate) -> Any:
        return mandate.expires_on()


class NewDirectDebitMandateSerializer(StrictSerializer):
    debtor = VisibleDebtor()
    creditor = VisibleCreditor()
    iban = StrictCharField(max_length=42)
    bic = StrictCharField(max_length=11, required=False, allow_blank=True, default="")
    account_holder = StrictCharField(max_length=70)
    signed_on = bounded_date()
    reference = StrictCharField(
        max_length=35,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("La RUM ; vide : RCV-<organisation>-<n> est donnée."),
    )
    prenotice_days = serializers.IntegerField(min_value=1, max_value=60, default=14)


class MandateFilter(UpdatedSince):
    debtor = id_filter("debtor_id")
    creditor = id_filter("creditor_id")
    status = django_filters.ChoiceFilter(choices=MandateStatus.choices)

    class Meta:
        model = Mandate
        fields = ["debtor", "creditor", "status"]


@extend_schema_view(
    **read_schema(DirectDebitMandateSerializer),
    create=extend_schema(
        request=NewDirectDebitMandateSerializer,
        responses={201: DirectDebitMandateSerializer, **problems(400, 401, 403, 429)},
    ),
)
class MandateViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """A debtor's SEPA mandate: the IBAN and BIC are checked, a signature date in the future
    is refused, the RUM is unique in the organisation."""

    model = Mandate
    serializer_class = DirectDebitMandateSerializer
    filterset_class = MandateFilter
    ordering_fields: ClassVar[list[str]] = ["id", "signed_on", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "post", "head", "options"]
    permission_classes: ClassVar[list] = [*TenantViewSet.permission_classes, MayWrite]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        context = self.get_serializer_context()
        given = NewDirectDebitMandateSerializer(data=request.data, context=context)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        try:
            mandate = services.create_mandate(
                self.member.organization_id, actor=request.user, **data
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(self.get_serializer(mandate).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: DirectDebitMandateSerializer, **problems(401, 403, 404, 409, 429)},
        summary=_("Révoquer le mandat"),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: Any = None) -> Response:
        nothing_sent(request)
        mandate = self.get_object()
        if not services.revoke_mandate(mandate, actor=request.user):
            raise Conflict(_("Ce mandat est déjà révoqué."))
        return Response(self.get_serializer(mandate).data)


# ---------------------------------------------------------------- collections


class CollectionSerializer(StrictModelSerializer):
    total_cents = CentsField(read_only=True)

    class Meta:
        model = Collection
        fields = [
            "id",
            "collection_on",
            "message_id",
            "count",
            "total_cents",
            "status",
            "settled_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CollectionFilter(UpdatedSince):
    status = django_filters.ChoiceFilter(choices=CollectionStatus.choices)
    collection_after = django_filters.DateFilter(field_name="collection_on", lookup_expr="gte")
    collection_before = django_filters.DateFilter(field_name="collection_on", lookup_expr="lte")

    class Meta:
        model = Collection
        fields = ["status"]


@extend_schema_view(**read_schema(CollectionSerializer))
class CollectionViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The pain.008.001.02 files built, one per collection date."""

    model = Collection
    serializer_class = CollectionSerializer
    filterset_class = CollectionFilter
    ordering_fields: ClassVar[list[str]] = ["id", "collection_on", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "head", "options"]

    @extend_schema(
        summary=_("Télécharger le fichier pain.008"),
        responses={
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY),
            **problems(401, 403, 404, 429),
        },
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: Any = None) -> FileResponse:
        collection = self.get_object()
        name = f"pain008-{collection.collection_on:%Y%m%d}.xml"
        try:
            content = collection.file.open("rb")
        except FileNotFoundError as exc:
            raise exceptions.NotFound(_("Le fichier de cette remise est introuvable.")) from exc
        return FileResponse(
            content,
            as_attachment=True,
            filename=name,
            content_type="application/xml",
        )


# ---------------------------------------------------------------- direct debits


class DirectDebitSerializer(StrictModelSerializer):
    amount_cents = CentsField(read_only=True)
    plan = serializers.IntegerField(source="instalment.plan_id", read_only=True)
    case = serializers.IntegerField(source="instalment.plan.case_id", read_only=True)

    class Meta:
        model = DirectDebit
        fields = [
            "id",
            "instalment",
            "plan",
            "case",
            "mandate",
            "amount_cents",
            "collection_on",
            "sequence",
            "end_to_end_id",
            "status",
            "prenotified_on",
            "collection",
            "payment",
            "return_code",
            "return_reason",
            "returned_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DirectDebitFilter(UpdatedSince):
    status = django_filters.ChoiceFilter(choices=DebitStatus.choices)
    collection_on = django_filters.DateFilter(field_name="collection_on")
    collection_after = django_filters.DateFilter(field_name="collection_on", lookup_expr="gte")
    collection_before = django_filters.DateFilter(field_name="collection_on", lookup_expr="lte")
    mandate = id_filter("mandate_id")
    collection = id_filter("collection_id")
    case = id_filter("instalment__plan__case_id")

    class Meta:
        model = DirectDebit
        fields = ["status", "mandate", "collection", "case"]


@extend_schema_view(**read_schema(DirectDebitSerializer))
class DirectDebitViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The debit of each plan instalment: scheduled, pre-notified, in a file, collected or
    returned (with the bank's reason)."""

    model = DirectDebit
    serializer_class = DirectDebitSerializer
    filterset_class = DirectDebitFilter
    ordering_fields: ClassVar[list[str]] = ["id", "collection_on", "updated_at"]
    http_method_names: ClassVar[list[str]] = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("instalment__plan")


# ---------------------------------------------------------------- returns


class ReturnFileSerializer(StrictSerializer):
    file = serializers.FileField(
        validators=[validate_upload_size],
        help_text=_("Relevé camt.053, avis camt.054 ou relevé CFONB 120 de la banque."),
    )


class UnmatchedReturnSerializer(serializers.Serializer):
    booking_date = serializers.DateField()
    amount_cents = SignedCentsField()
    return_code = serializers.CharField()
    end_to_end_id = serializers.CharField()
    mandate_reference = serializers.CharField()


class ReturnsSerializer(serializers.Serializer):
    returned = DirectDebitSerializer(many=True)
    already = serializers.IntegerField(
        help_text=_("Retours déjà enregistrés : rien n'a changé pour eux.")
    )
    unmatched = UnmatchedReturnSerializer(many=True)


class ReturnViewSet(TenantViewSet):
    """A bank file of returned direct debits (R-transactions), read as on the page: each
    debit found is returned, its payment reversed, its instalment marked returned. Sending
    the same file again changes nothing."""

    model = DirectDebit
    serializer_class = ReturnFileSerializer
    http_method_names: ClassVar[list[str]] = ["post", "options"]
    parser_classes: ClassVar[list] = [MultiPartParser]
    write_scope = Scope.PAYMENTS
    permission_classes: ClassVar[list] = [*TenantViewSet.permission_classes, MayWrite]

    @property
    def max_body_bytes(self) -> int | None:  # type: ignore[override]
        return settings.UPLOAD_MAX_BYTES + MULTIPART_MARGIN

    @extend_schema(
        summary=_("Envoyer un fichier de retours de prélèvements"),
        request={"multipart/form-data": ReturnFileSerializer},
        responses={200: ReturnsSerializer, **problems(400, 401, 403, 413, 415, 429)},
    )
    def create(self, request: Request) -> Response:
        given = ReturnFileSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        try:
            statement = parse_file(upload.read(), filename=upload.name or "")
        except ParseError as exc:
            raise exceptions.ValidationError({"file": [exc.reason]}) from exc
        if not isinstance(statement, BankStatement):
            raise exceptions.ValidationError({"file": [_("Ce fichier n'est pas un relevé.")]})
        result = services.record_returns(self.member.organization_id, statement, actor=request.user)
        body = ReturnsSerializer(
            {"returned": result.returned, "already": result.already, "unmatched": result.unmatched}
        ).data
        return Response(body)


routes = [
    ("direct-debit-mandates", MandateViewSet, "direct-debit-mandate"),
    ("collections", CollectionViewSet, "collection"),
    ("direct-debits", DirectDebitViewSet, "direct-debit"),
    ("direct-debit-returns", ReturnViewSet, "direct-debit-return"),
]
paths: list = []
