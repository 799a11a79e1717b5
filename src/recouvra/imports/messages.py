"""Parser errors as users read them: in their language, with file, line, field and reason.

The parsers import no Django (pure, type-checked Python): they write each reason as a
French template marked with ``records.gettext_noop`` and keep its values apart. This is the
edge where those templates are translated (gettext, the English catalogue refreshed like
the rest of the UI) and where the place of the error is put into words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from .parsers.ledger_fields import FIELD_LABELS
from .records import ParseError, RowError


def translated(template: str, params: Mapping[str, Any] | None = None) -> str:
    """A parser's French template in the reader's language, its values filled in."""
    text = gettext(template) if template else ""
    if not params:
        return text
    try:
        return text % dict(params)
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return template % dict(params)


def _get(error: Any, name: str, default: Any = "") -> Any:
    if isinstance(error, Mapping):
        return error.get(name, default)
    return getattr(error, name, default)


def reason(error: ParseError | RowError | Mapping[str, Any]) -> str:
    """The reason of an error (a ParseError, a RowError or its JSON form in a preview)."""
    template = _get(error, "template")
    if template:
        return translated(template, _get(error, "params", None))
    return str(_get(error, "reason"))  # written before reasons were templates


def field_label(field: str) -> str:
    """A field named in an error: a claim field's label, else the parser's name translated
    (an XML element such as ``BookgDt`` is shown as written)."""
    if not field:
        return ""
    label = FIELD_LABELS.get(field)
    return gettext(label) if label else gettext(field)


def describe(error: ParseError | RowError | Mapping[str, Any]) -> str:
    """ "relevé.txt, ligne 12, champ montant : raison", in the reader's language."""
    parts = []
    file = _get(error, "file")
    line = _get(error, "line", None)
    field = _get(error, "field")
    if file:
        parts.append(str(file))
    if line is not None:
        parts.append(gettext("ligne %(line)s") % {"line": line})
    if field:
        parts.append(gettext("champ %(field)s") % {"field": field_label(field)})
    text = reason(error)
    if not parts:
        return text
    return gettext("%(where)s : %(reason)s") % {"where": ", ".join(parts), "reason": text}
