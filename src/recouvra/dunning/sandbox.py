"""The template engine of the templates users write (dunning messages), with bounds.

A template is typed in the browser by a member of the organisation and rendered by a web
worker (the live preview) and by the delivery task. Django's template language alone lets
a few dozen characters tie up a worker: `{{ x|ljust:"100000000" }}` builds a 100 MB
string, and loops inside loops multiply the work. So this engine:

- knows only a few tags (no `load`, `include`, `debug`, `lorem`, `url`, `widthratio`…) and
  the text filters, each checked so that no value it returns exceeds MAX_OUTPUT_CHARS and
  the width filters refuse a width that would;
- looks variables up in dicts and lists only, and calls nothing: `{{ x.encode.hex }}`
  would double a text at each step, and a model method could do anything;
- refuses a source longer than MAX_SOURCE_CHARS;
- renders under a Budget: the text produced (MAX_OUTPUT_CHARS), the loop turns
  (MAX_LOOP_TURNS) and the time (MAX_SECONDS), checked at every node and every turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial, wraps
from typing import Any

from django.template import (
    Context,
    Engine,
    Library,
    Node,
    TemplateSyntaxError,
    Variable,
    VariableDoesNotExist,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Lexer, Parser
from django.template.base import Template as DjangoTemplate
from django.template.defaulttags import FilterNode
from django.utils.translation import gettext as _

MAX_SOURCE_CHARS = 20_000  # a long letter is ~5,000
MAX_OUTPUT_CHARS = 200_000  # ~200 KB of text: forty pages
MAX_LOOP_TURNS = 100_000
MAX_SECONDS = 2.0


class TemplateError(ValueError):
    """A template that does not parse, or goes past a bound: said where and why."""


class TemplateTooCostly(TemplateError):
    """A template whose rendering goes past one of the bounds."""


class Budget:
    """What one rendering may still spend; shared by the subject and the text."""

    def __init__(self, seconds: float = MAX_SECONDS) -> None:
        self.chars = 0
        self.turns = 0
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def spend(self, chars: int = 0, turns: int = 0) -> None:
        self.chars += chars
        self.turns += turns
        if self.chars > MAX_OUTPUT_CHARS:
            raise TemplateTooCostly(too_long_message())
        if self.turns > MAX_LOOP_TURNS:
            raise TemplateTooCostly(
                _("Modèle refusé : plus de %(n)s tours de boucle.") % {"n": MAX_LOOP_TURNS}
            )
        if time.monotonic() > self.deadline:
            raise TemplateTooCostly(
                _("Modèle refusé : son rendu dépasse %(s)s secondes.") % {"s": self.seconds}
            )


def too_long_message() -> str:
    return _("Modèle refusé : le texte produit dépasse %(kb)s Ko.") % {
        "kb": MAX_OUTPUT_CHARS // 1000
    }


class BudgetedContext(Context):
    """A context that carries the rendering's Budget (read by every node of the engine)."""

    def __init__(self, values: dict[str, Any], budget: Budget) -> None:
        super().__init__(values)
        self.budget = budget


# --- tags -------------------------------------------------------------------------------

register = Library()

SAFE_TAGS = (
    "comment",
    "cycle",
    "filter",
    "firstof",
    "if",
    "ifchanged",
    "now",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "with",
)
for _name in SAFE_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])


@register.tag("for")
def bounded_for(parser: Any, token: Any) -> Node:
    """Django's `for`, whose sequence counts each turn against the Budget (a loop with an
    empty body renders no node that could)."""
    node = defaulttags.do_for(parser, token)
    node.sequence = _MeteredSequence(node.sequence)
    return node


class _MeteredSequence:
    def __init__(self, expression: Any) -> None:
        self.expression = expression

    def resolve(self, context: Any, ignore_failures: bool = False) -> Any:
        values = self.expression.resolve(context, ignore_failures=ignore_failures)
        if values is None:
            return None
        return _Metered(values, context.budget)

    def __str__(self) -> str:
        return str(self.expression)


class _Metered:
    """A loop's values, each turn paid for."""

    def __init__(self, values: Any, budget: Budget) -> None:
        self.values = values if hasattr(values, "__len__") else list(_capped(values))
        self.budget = budget

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[Any]:
        for value in self.values:
            self.budget.spend(turns=1)
            yield value

    def __reversed__(self) -> Iterator[Any]:
        for value in reversed(self.values):
            self.budget.spend(turns=1)
            yield value


def _capped(values: Any) -> Iterator[Any]:
    for n, value in enumerate(values):
        if n >= MAX_LOOP_TURNS:
            raise TemplateTooCostly(
                _("Modèle refusé : plus de %(n)s tours de boucle.") % {"n": MAX_LOOP_TURNS}
            )
        yield value


# --- filters ----------------------------------------------------------------------------

SAFE_FILTERS = (
    "add",
    "addslashes",
    "capfirst",
    "center",
    "cut",
    "date",
    "default",
    "default_if_none",
    "divisibleby",
    "first",
    "join",
    "last",
    "length",
    "linebreaksbr",
    "linenumbers",
    "ljust",
    "lower",
    "make_list",
    "pluralize",
    "rjust",
    "slice",
    "striptags",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "wordwrap",
    "yesno",
)
# filters whose argument is a width: the value they return is at least that long
WIDTH_FILTERS = {"center", "ljust", "rjust"}


def _sized(value: Any) -> Any:
    """`value`, refused if a text or a list longer than the output may be."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT_CHARS:
        raise TemplateTooCostly(too_long_message())
    return value


def _width_checked(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def checked(value: Any, arg: Any) -> Any:
        try:
            width = int(arg)
        except (TypeError, ValueError):
            return value  # Django's filter gives the value back too
        if width > MAX_OUTPUT_CHARS:
            raise TemplateTooCostly(
                _("Modèle refusé : largeur %(w)s trop grande pour le filtre %(f)s.")
                % {"w": width, "f": name}
            )
        return _sized(func(value, arg))

    return checked


def _join_checked(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def checked(value: Any, arg: Any, autoescape: bool = True) -> Any:
        if isinstance(value, (list, tuple)):
            size = sum(len(str(item)) for item in value) + len(str(arg)) * len(value)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateTooCostly(too_long_message())
        return _sized(func(value, arg, autoescape=autoescape))

    return checked


def _result_checked(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        return _sized(func(*args, **kwargs))

    return checked


def _bounded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    if name in WIDTH_FILTERS:
        return _width_checked(name, func)
    if name == "join":
        return _join_checked(func)
    return _result_checked(func)


for _name in SAFE_FILTERS:
    _filter = defaultfilters.register.filters[_name]
    # wraps() keeps the flags Django reads (is_safe, needs_autoescape, expects_localtime)
    # and __wrapped__, through which the parser counts the filter's arguments
    register.filter(_name, _bounded(_name, _filter))


# --- the engine -------------------------------------------------------------------------


class PlainVariable(Variable):
    """A variable looked up in dicts (the context's values) and lists by index only:
    no attribute, no call."""

    def _resolve_lookup(self, context: Any) -> Any:
        current = context
        for bit in self.lookups:
            current = _item(current, bit)
        return current


def _item(current: Any, bit: str) -> Any:
    if isinstance(current, (Context, dict)):
        try:
            return current[bit]
        except KeyError:
            pass
    elif isinstance(current, (list, tuple)) and bit.isdigit() and int(bit) < len(current):
        return current[int(bit)]
    raise VariableDoesNotExist("%s", (bit,))


class PlainFilterExpression(FilterExpression):
    """A variable and its filters, with plain lookups and a value no longer than the output
    may be."""

    def __init__(self, token: str, parser: Any) -> None:
        super().__init__(token, parser)
        if isinstance(self.var, Variable):
            self.var = _plain(self.var)
        self.filters = [
            (func, [(lookup, _plain(arg) if lookup else arg) for lookup, arg in args])
            for func, args in self.filters
        ]

    def resolve(self, context: Any, ignore_failures: bool = False) -> Any:
        return _sized(super().resolve(context, ignore_failures))


def _plain(variable: Variable) -> Variable:
    return variable if variable.lookups is None else PlainVariable(variable.var)


class SandboxParser(Parser):
    def compile_filter(self, token: str) -> FilterExpression:
        return PlainFilterExpression(token, self)


class SandboxTemplate(DjangoTemplate):
    def compile_nodelist(self) -> Any:
        tokens = Lexer(self.source).tokenize()
        engine = self.engine
        parser = SandboxParser(
            tokens, engine.template_libraries, engine.template_builtins, self.origin
        )
        nodelist = parser.parse()
        self.extra_data = parser.extra_data
        return nodelist


class SandboxEngine(Engine):
    """An engine with this module's tags and filters only: Django's default builtins
    (load, include, debug, lorem, url…) are left out, and no library may be loaded."""

    default_builtins: list[str] = []

    def from_string(self, template_code: str) -> SandboxTemplate:
        return SandboxTemplate(template_code, engine=self)


ENGINE = SandboxEngine(loaders=[], libraries={}, builtins=[__name__], autoescape=False, debug=False)


def compile_template(text: str) -> DjangoTemplate:
    """The template of `text`, its nodes metered; TemplateError if it is too long or does
    not parse."""
    if len(text) > MAX_SOURCE_CHARS:
        raise TemplateError(
            _("Modèle trop long : %(n)s caractères au plus.") % {"n": MAX_SOURCE_CHARS}
        )
    try:
        template = ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise TemplateError(_("Modèle invalide : %(why)s") % {"why": exc}) from None
    except RecursionError:
        raise TemplateError(too_deep_message()) from None
    for node in template.nodelist.get_nodes_by_type(Node):
        node.render_annotated = partial(_metered, node.render_annotated, _makes_text(node))
    return template


def _makes_text(node: Node) -> bool:
    """Whether what `node` renders is new text, to be paid for: a node that holds no other
    node, or a filter over its content (`{% filter center:"99999" %}`). The text of the
    other containers is their children's, already paid for."""
    holds = any(getattr(node, name, None) is not None for name in node.child_nodelists)
    return not holds or isinstance(node, FilterNode)


def _metered(render: Callable[[Any], str], makes_text: bool, context: Any) -> str:
    budget = context.budget
    budget.spend()
    text = render(context)
    if makes_text:
        budget.spend(chars=len(text))
    return text


def render_template(template: DjangoTemplate, values: dict[str, Any], budget: Budget) -> str:
    """`template` rendered over plain `values` within `budget`. A filter given a wrong
    argument (`wordwrap:"0"`, `divisibleby:"0"`) or a loop unpacking what it cannot is a
    TemplateError too: said, not a crash of the page or of the delivery."""
    try:
        return template.render(BudgetedContext(values, budget))
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError(too_deep_message()) from None
    except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
        raise TemplateError(_("Modèle invalide : %(why)s") % {"why": exc}) from None


def too_deep_message() -> str:
    return _("Modèle refusé : balises imbriquées trop profondément.")
