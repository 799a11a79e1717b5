"""Templates typed by users render within bounds (output, loop turns, time, source), and
only those who may edit templates may preview one."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from recouvra.core.models import Role
from recouvra.dunning import delivery
from recouvra.dunning.models import Channel, Message, MessageStatus, Template
from recouvra.dunning.sandbox import (
    MAX_SOURCE_CHARS,
    Budget,
    TemplateTooCostly,
    compile_template,
    render_template,
)
from recouvra.dunning.texts import TemplateError, check, render

from ..base import make_claim, make_user
from .base import DUE, DunningTestCase, at

HUGE_PADDING = '{% for c in claims %}{{ c.reference|ljust:"100000000" }}{% endfor %}'
LOOPS_IN_LOOPS = (
    '{% for a in "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}'
    '{% for b in "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}'
    '{% for c in "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}'
    '{% for d in "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}'
    "{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)


class TemplateBoundsTestCase(DunningTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = make_claim(self.creditor, self.debtor, 10_000, reference="FA-9").case

    def preview(self, body: str):  # noqa: ANN201
        return self.client.post(reverse("dunning:preview"), {"body": body, "case": self.case.pk})

    def test_it_refuses_the_preview_to_a_mandant(self) -> None:
        mandant = make_user("m@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        self.client.force_login(mandant)
        self.assertEqual(self.preview("{{ debtor.name }}").status_code, 403)

    def test_it_shows_padding_past_the_bound_as_an_error_in_the_preview(self) -> None:
        self.client.force_login(self.alice)
        response = self.preview(HUGE_PADDING)
        self.assertContains(response, "largeur 100000000 trop grande pour le filtre ljust")

    def test_it_stops_loops_in_loops(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.preview(LOOPS_IN_LOOPS), "tours de boucle")

    def test_it_stops_a_text_doubled_again_and_again(self) -> None:
        doubling = "{% with a=total %}" + "{% with a=a|add:a %}" * 40 + "{% endwith %}" * 41
        with self.assertRaisesMessage(TemplateError, "dépasse 200 Ko"):
            render(Template(body=doubling), self.case, DUE)

    def test_it_stops_once_the_text_produced_is_too_long(self) -> None:
        body = '{% with a=total|ljust:"150000" %}{{ a }}{{ a }}{% endwith %}'
        with self.assertRaisesMessage(TemplateTooCostly, "dépasse 200 Ko"):
            render(Template(body=body), self.case, DUE)

    def test_it_calls_no_method_of_a_value(self) -> None:
        text = render(Template(body="[{{ total.encode.hex }}{{ claims.pop }}]"), self.case, DUE)
        self.assertEqual(text.text.strip(), "[]")

    def test_it_stops_past_its_deadline(self) -> None:
        with self.assertRaisesMessage(TemplateTooCostly, "secondes"):
            render_template(compile_template("{{ total }}"), {"total": "1"}, Budget(seconds=-1))

    def test_it_says_what_is_wrong_with_a_filter_s_argument(self) -> None:
        for body in ('{{ total|wordwrap:"0" }}', '{{ 3|divisibleby:"0" }}'):
            with self.assertRaisesMessage(TemplateError, "Modèle invalide"):
                check(body)

    def test_it_refuses_tags_nested_too_deep(self) -> None:
        with self.assertRaisesMessage(TemplateError, "trop profondément"):
            check("{%if 1%}" * 1100 + "x" + "{%endif%}" * 1100)

    def test_it_refuses_a_source_too_long(self) -> None:
        with self.assertRaisesMessage(TemplateError, "Modèle trop long"):
            check("x" * (MAX_SOURCE_CHARS + 1))

    def test_it_does_not_save_a_template_past_the_bounds(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(
            reverse("dunning:template_add"),
            {"name": "Lourd", "channel": "email", "subject": "x", "body": HUGE_PADDING},
        )
        self.assertContains(response, "trop grande pour le filtre ljust", status_code=400)
        self.assertFalse(Template.objects.filter(name="Lourd").exists())

    def test_it_still_renders_an_ordinary_template(self) -> None:
        body = (
            "{% for c in claims %}{{ forloop.counter }}. {{ c.reference|upper }} "
            "{{ c.total }}{% if not forloop.last %}, {% endif %}{% endfor %} — "
            "{{ debtor.name|default:'?' }} {{ claims|length }} {{ claims.0.reference }}"
        )
        text = render(Template(body=body), self.case, DUE + timedelta(days=3)).text
        self.assertIn("1. FA-9 ", text)
        self.assertIn("— Menuiserie Dubois 1 FA-9", text)

    def test_a_message_whose_template_goes_past_the_bounds_fails_with_the_reason(self) -> None:
        self.debtor.email = "compta@dubois.example"
        self.debtor.save()
        Template.objects.filter(channel=Channel.EMAIL).update(body=HUGE_PADDING)
        day = DUE + timedelta(days=6)
        self.run_on(day)
        self.assertEqual(delivery.deliver_due(at(day))[MessageStatus.FAILED], 1)
        self.assertIn("trop grande", Message.objects.get().last_error)
