"""The task queue: calls, visits and escalations to decide, each person's own first; done
from the queue or the case page, with a note on the case timeline."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from recouvra.cases.models import Interaction, Task, TaskKind
from recouvra.core.models import Role

from ..base import RecouvraTestCase, make_claim, make_user


class TaskQueueTestCase(RecouvraTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = make_claim(self.creditor, self.debtor, reference="FA-1").case
        self.call = self.task(TaskKind.CALL, "Appeler la comptable", self.bob)
        self.visit = self.task(TaskKind.VISIT, "Visite encaisseur", self.alice)

    def task(self, kind: str, title: str, who) -> Task:  # noqa: ANN001
        return Task.objects.create(
            organization=self.alpha,
            case=self.case,
            kind=kind,
            title=title,
            assigned_to=who,
            due_on=date(2026, 6, 15),
        )

    def test_each_person_sees_their_own_queue_and_the_team_s_on_demand(self) -> None:
        self.client.force_login(self.bob)
        mine = self.client.get(reverse("cases:tasks"))
        self.assertContains(mine, "Appeler la comptable")
        self.assertNotContains(mine, "Visite encaisseur")
        team = self.client.get(reverse("cases:tasks"), {"qui": "tous"})
        self.assertContains(team, "Visite encaisseur")
        self.client.force_login(self.charlie)
        self.assertNotContains(
            self.client.get(reverse("cases:tasks"), {"qui": "tous"}), "Appeler la comptable"
        )

    def test_a_call_done_leaves_the_queue_and_its_note_is_on_the_case(self) -> None:
        self.client.force_login(self.bob)
        url = reverse("cases:task_done", args=[self.call.pk])
        response = self.client.post(url, {"note": "Règlement promis vendredi"})
        self.assertRedirects(response, reverse("cases:tasks"))
        self.call.refresh_from_db()
        self.assertIsNotNone(self.call.done_at)
        entry = Interaction.objects.get(case=self.case, kind="call")
        self.assertIn("Règlement promis vendredi", entry.text)
        self.assertEqual(entry.author, self.bob)
        self.assertNotContains(self.client.get(reverse("cases:tasks")), "Appeler la comptable")
        self.client.post(url)  # twice: nothing more
        self.assertEqual(Interaction.objects.filter(case=self.case, kind="call").count(), 1)

    def test_the_case_page_offers_to_mark_its_tasks_done(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get(self.case.get_absolute_url())
        self.assertContains(page, reverse("cases:task_done", args=[self.visit.pk]))

    def test_a_read_only_member_or_a_stranger_cannot_mark_a_task_done(self) -> None:
        viewer = make_user("dave@example.org", self.alpha, Role.MANDANT, creditor=self.creditor)
        url = reverse("cases:task_done", args=[self.call.pk])
        self.client.force_login(viewer)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.call.refresh_from_db()
        self.assertIsNone(self.call.done_at)
