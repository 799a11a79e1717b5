"""Schema pieces the resources of imports, lettrage and the law share: the problem
responses (RFC 9457, as api/problems.py writes them)."""

from __future__ import annotations

from typing import Any

from ..problems import PROBLEM_JSON

PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "application/problem+json (RFC 9457)",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "pointer": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "pointer", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


def problems(*codes: int) -> dict[tuple[int, str], dict[str, Any]]:
    """The error answers of an operation, for extend_schema(responses=…)."""
    return {(code, PROBLEM_JSON): PROBLEM for code in codes}
