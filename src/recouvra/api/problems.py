"""Errors as `application/problem+json` (RFC 9457), in the request's language.

{"type": "https://recouvra.fr/problems/invalid", "title": "Données invalides",
 "status": 400, "detail": "…", "errors": [{"field": "rows.3.principal",
 "pointer": "/rows/3/principal", "message": "…", "code": "invalid"}]}
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://recouvra.fr/problems/"


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: ("invalid", _("Données invalides")),
        401: ("unauthenticated", _("Authentification requise")),
        403: ("forbidden", _("Droit insuffisant")),
        404: ("not-found", _("Introuvable")),
        405: ("method-not-allowed", _("Méthode non permise")),
        406: ("not-acceptable", _("Format de réponse non disponible")),
        409: ("conflict", _("Conflit")),
        413: ("too-large", _("Requête trop volumineuse")),
        415: ("unsupported-media-type", _("Type de contenu non pris en charge")),
        422: ("unprocessable", _("Requête impossible à traiter")),
        429: ("throttled", _("Trop de requêtes")),
        500: ("server-error", _("Erreur du serveur")),
    }


def problem(status_code: int, detail: str = "", errors: list[dict] | None = None) -> dict:
    slug, title = _titles().get(status_code, ("error", _("Erreur")))
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status_code}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    return body


def field_errors(detail: Any, path: tuple[str, ...] = ()) -> list[dict]:
    """DRF's nested error detail as a flat list, each with its field's path."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            inner = path if key in ("non_field_errors",) else (*path, str(key))
            found += field_errors(value, inner)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [_one(path, item) for item in detail]
        found = []
        for index, item in enumerate(detail):
            if item:  # a list of row errors: empty ones are rows without error
                found += field_errors(item, (*path, str(index)))
        return found
    return [_one(path, detail)]


def _one(path: tuple[str, ...], message: Any) -> dict:
    return {
        "field": ".".join(path),
        "pointer": "/" + "/".join(path),
        "message": str(message),
        "code": getattr(message, "code", "invalid"),
    }


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def handle_exception(exc: Exception, context: dict) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler500 answers (server_error below)
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        body = problem(
            response.status_code, _("%(n)d erreur(s) dans la requête.") % {"n": len(errors)}, errors
        )
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        body = problem(response.status_code, detail)
    headers = {
        k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")
    }
    return Response(body, status=response.status_code, headers=headers, content_type=PROBLEM_JSON)


def problem_response(request: HttpRequest, status_code: int, detail: str = "") -> JsonResponse:
    """For errors raised outside the API's views (an unknown URL, a crash)."""
    return JsonResponse(
        problem(status_code, detail),
        status=status_code,
        content_type=PROBLEM_JSON,
        json_dumps_params={"ensure_ascii": False},
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a problem for the API's URLs, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return problem_response(request, 404, _("Aucune ressource à cette adresse."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a problem for the API's URLs, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return problem_response(request, 500)
    return defaults.server_error(request)
