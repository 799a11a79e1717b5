"""Plain bulk INSERTs: rows land as given, and their ids come back in the order sent."""

from __future__ import annotations

from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from recouvra.core import bulk
from recouvra.core.bulk import (
    IN_BATCH,
    RETURNING_BATCH,
    Json,
    among,
    insert_returning,
    insert_rows,
    update_ids,
)
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

    def test_values_every_row_shares_are_given_once(self) -> None:
        now, kind = timezone.now(), ContentType.objects.get_for_model(AuditEvent).pk
        shared = {"organization_id": self.alpha.pk, "content_type_id": kind}
        shared |= {"created_at": connection.ops.adapt_datetimefield_value(now)}
        own = ("object_id", "object_repr", "action", "changes")
        rows = [(str(n), f"n° {n}", AuditAction.CREATE, Json(f'{{"n": {n}}}')) for n in range(7)]
        with mock.patch.object(bulk, "VALUES_ROWS", 3):  # three statements, the last short
            self.assertEqual(insert_rows(AuditEvent, own, rows, constants=shared), 7)
        saved = AuditEvent.objects.filter(organization=self.alpha).order_by("pk")
        self.assertEqual([e.object_id for e in saved], [str(n) for n in range(7)])
        self.assertEqual({(e.created_at, e.content_type_id) for e in saved}, {(now, kind)})
        self.assertEqual(saved.last().changes, {"n": 6})

    def test_update_ids_changes_only_the_rows_given_that_are_among_the_values(self) -> None:
        ids = insert_returning(AuditEvent, FIELDS, self.rows(range(IN_BATCH + 3)))
        AuditEvent.objects.filter(pk=ids[1]).update(action=AuditAction.DELETE)
        later = timezone.now()
        changed = update_ids(
            AuditEvent,
            ids[:-1],  # across two batches, the last row left out
            {"action": AuditAction.UPDATE, "created_at": later},
            among={"action": (AuditAction.CREATE,)},
        )
        self.assertEqual(changed, len(ids) - 2)
        actions = dict(AuditEvent.objects.filter(pk__in=ids).values_list("pk", "action"))
        self.assertEqual(actions[ids[0]], AuditAction.UPDATE)
        self.assertEqual(actions[ids[1]], AuditAction.DELETE)  # was not among
        self.assertEqual(actions[ids[-1]], AuditAction.CREATE)  # not given
        self.assertEqual(AuditEvent.objects.get(pk=ids[0]).created_at, later)
        self.assertEqual(update_ids(AuditEvent, [], {"action": AuditAction.UPDATE}), 0)

    def test_among_filters_like_in_with_the_values_as_they_are(self) -> None:
        ids = insert_returning(AuditEvent, FIELDS, self.rows(range(5)))
        events = AuditEvent.objects.filter(organization=self.alpha)
        found = among(events.filter(pk__in=ids), "object_id", ["1", "3", "9"])
        self.assertEqual(sorted(found.values_list("object_id", flat=True)), ["1", "3"])
        self.assertFalse(among(events, "object_id", []).exists())

    def test_a_big_insert_renews_the_statistics_of_the_table(self) -> None:
        table = AuditEvent._meta.db_table

        def rows_known() -> float:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
                    return cursor.fetchone()[0]
                cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
                if cursor.fetchone() is None:
                    return 0
                # "rows [rows per value of each indexed column]…", per index of the table
                cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
                return max((int(stat.split()[0]) for (stat,) in cursor.fetchall()), default=0)

        insert_rows(AuditEvent, FIELDS, self.rows(range(3)))  # below the threshold
        before = rows_known()
        with mock.patch.object(bulk, "ANALYZE_AFTER", 20):
            insert_rows(AuditEvent, FIELDS, self.rows(range(20)))
        self.assertNotEqual(rows_known(), before)
        self.assertGreaterEqual(rows_known(), 23)

    def test_json_serialized_already_is_stored_as_it_is(self) -> None:
        now, kind = timezone.now(), ContentType.objects.get_for_model(AuditEvent).pk
        row = (self.alpha.pk, now, kind, "1", "n° 1", AuditAction.CREATE, Json('{"n": [1, "é"]}'))
        (pk,) = insert_returning(AuditEvent, FIELDS, [row])
        insert_rows(AuditEvent, FIELDS, [row])
        self.assertEqual(AuditEvent.objects.get(pk=pk).changes, {"n": [1, "é"]})
        self.assertEqual(AuditEvent.objects.get(pk__gt=pk).changes, {"n": [1, "é"]})
