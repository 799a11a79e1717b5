"""The schema's shared parts: every operation documents its problem+json answers."""

from __future__ import annotations

from typing import Any

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "pointer", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "pointer": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}

ANSWERS = {
    "400": "Requête invalide (champs en erreur dans `errors`)",
    "401": "Clé absente, inconnue, révoquée ou expirée",
    "403": "La clé n'a pas le droit nécessaire",
    "404": "Introuvable (ou d'une autre organisation)",
    "405": "Méthode non permise",
    "406": "Format de réponse non disponible",
    "409": "Conflit (état déjà changé, requête idempotente en cours)",
    "413": "Corps de requête trop volumineux",
    "415": "Type de contenu non pris en charge",
    "422": "Requête impossible à traiter (clé d'idempotence déjà utilisée pour une autre requête)",
    "429": "Trop de requêtes pour cette clé (voir Retry-After)",
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the Problem schema, and each error answer on
    every operation that does not describe it itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, text in ANSWERS.items():
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result
