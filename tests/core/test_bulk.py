"""Plain bulk INSERTs: rows land as given, and their ids come back in the order sent."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from recouvra.core.bulk import RETURNING_BATCH, insert_returning, insert_rows
from recouvra.core.models import AuditAction, AuditEvent

from ..base import RecouvraTestCase

FIELDS = ("organization_id", "created_at", "content_type_id", "object_id", "object_repr")
FIELDS += ("action", "changes")


class BulkInsertTestCase(RecouvraTestCase):
    def rows(self, numbers: range) -> list[tuple]:
        now, kind = timezone.now(), ContentType.objects.get_for_model(AuditEvent).pk
        return [
            (self.alpha.pk, now, kind, str(n), f"n° {n}", AuditAction.CREATE, {"n": [n, "é"]})
            for n in numbers
        ]

    def test_the_ids_come_back_in_the_order_of_the_rows_across_batches(self) -> None:
        numbers = range(RETURNING_BATCH * 2 + 7, 0, -1)
        ids = insert_returning(AuditEvent, FIELDS, self.rows(numbers))
        self.assertEqual(len(ids), len(numbers))
        saved = AuditEvent.objects.in_bulk(ids)
        self.assertEqual([saved[pk].object_id for pk in ids], [str(n) for n in numbers])
        self.assertEqual(saved[ids[0]].changes, {"n": [numbers[0], "é"]})

    def test_insert_rows_counts_what_it_inserted(self) -> None:
        self.assertEqual(insert_rows(AuditEvent, FIELDS, self.rows(range(3))), 3)
        self.assertEqual(insert_returning(AuditEvent, FIELDS, []), [])
        self.assertEqual(AuditEvent.objects.filter(object_repr__startswith="n°").count(), 3)
