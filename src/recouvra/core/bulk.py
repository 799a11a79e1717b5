"""Plain INSERTs for imports of hundreds of thousands of rows.

Django's bulk_create prepares every value through the field machinery (~200 µs a row);
an import needs the database's own speed. `insert_rows` builds one parameterised INSERT
from the model's metadata and runs executemany: same SQL on SQLite and PostgreSQL.
The caller passes values ready for the database (ints, str, date, datetime, Decimal).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 5_000
IN_BATCH = 500  # ids per IN (...) query
RETURNING_BATCH = 500  # rows per INSERT … RETURNING: 500 × 12 columns < 32,766 SQLite variables
VALUES_ROWS = 500  # rows per INSERT … SELECT … FROM (VALUES …) on SQLite
ANALYZE_AFTER = 10_000  # rows inserted at once after which the table's statistics are renewed


class Json(str):
    """JSON text, serialized already (json.dumps): stored as it is, not encoded again. A
    process that only decides can serialize what another one stores."""


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    adapted: bool = False,
    analyze: bool = True,
    constants: dict[str, Any] | None = None,
) -> int:
    """Insert rows (tuples in the order of `fields`, attnames); returns how many.

    `adapted`: the dates and datetimes are adapted already (connection.ops.adapt_*_value,
    once for a value that every row repeats): the rows go to the driver as they are.
    `analyze`: renew the table's statistics after a big insert (ANALYZE_AFTER rows, and on
    PostgreSQL a tenth of the table or more). SQLite's ANALYZE reads the whole table: a
    table that grows by a steady share every day (the dunning run's) passes False.
    `constants`: values every row shares (field → value, ready for the database). SQLite
    gets them once per statement of VALUES_ROWS rows (INSERT … SELECT … FROM (VALUES …)),
    a third faster than executemany binding them on every row.
    """
    if connection.vendor == "postgresql":
        if constants:
            shared = tuple(constants.values())
            rows = (tuple(row) + shared for row in rows)
            fields = (*fields, *constants)
        return _copy(model, fields, rows, adapted=adapted, analyze=analyze)
    if constants:
        count = _insert_with_constants(model, fields, rows, constants, adapted)
    else:
        sql, rows = _insert(model, fields, rows, adapted=adapted)
        count = 0
        with connection.cursor() as cursor:
            for chunk in batches(rows, BATCH):
                cursor.executemany(sql, chunk)
                count += len(chunk)
    if analyze and count >= ANALYZE_AFTER:
        _analyze(model)
    return count


def insert_returning(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]
) -> list[int]:
    """Insert rows like insert_rows; returns their primary keys, in the order of `rows`.

    PostgreSQL: the ids are taken from the table's sequence first, then the rows are
    copied with them. SQLite: one multi-row INSERT … RETURNING per RETURNING_BATCH rows;
    SQLite 3.35+ inserts the rows in the order of the VALUES and numbers them increasingly
    (bulk_create relies on it), and the ids of a batch are sorted so that the order
    RETURNING happens to give them in does not matter.
    """
    if connection.vendor == "postgresql":
        rows = list(rows)
        ids = _next_ids(model, len(rows))
        _copy(model, ("pk", *fields), ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
        return ids
    sql, rows = _insert(model, fields, rows)
    head, values = sql.split(" VALUES ")
    pk = connection.ops.quote_name(model._meta.pk.column)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in batches(rows, RETURNING_BATCH):
            placeholders = ", ".join([values] * len(chunk))
            params = [value for row in chunk for value in row]
            cursor.execute(f"{head} VALUES {placeholders} RETURNING {pk}", params)
            ids.extend(sorted(row[0] for row in cursor.fetchall()))
    return ids


def update_ids(
    model: type[models.Model],
    ids: Iterable[int],
    values: dict[str, Any],
    *,
    among: dict[str, Sequence[Any]] | None = None,
) -> int:
    """UPDATE the rows of `ids` to `values`, only those whose fields are `among` the values
    given (a conditional update); returns how many changed.

    Plain SQL per IN_BATCH ids: the ORM would prepare each id of each batch on its own,
    which costs more than the update itself for tens of thousands of rows.
    """
    quote = connection.ops.quote_name
    meta = model._meta
    setting = [meta.get_field(name) for name in values]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in setting)
    new = [f.get_db_prep_save(v, connection) for f, v in zip(setting, values.values(), strict=True)]
    conditions, allowed = "", []
    for name, options in (among or {}).items():
        column = quote(meta.get_field(name).column)
        conditions += f" AND {column} IN ({', '.join(['%s'] * len(options))})"
        allowed += list(options)
    head = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} IN"
    count = 0
    with connection.cursor() as cursor:
        for chunk in batches(ids):
            cursor.execute(
                f"{head} ({', '.join(['%s'] * len(chunk))}){conditions}", [*new, *chunk, *allowed]
            )
            count += cursor.rowcount
    return count


def among(queryset: models.QuerySet, name: str, values: Sequence[Any]) -> models.QuerySet:
    """queryset.filter(<name>__in=values) for hundreds of plain values (ints, str): the ORM
    would prepare each value on its own, which costs more than the query; here they go to
    the database as they are."""
    meta = queryset.model._meta
    quote = connection.ops.quote_name
    column = f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"
    where = f"{column} IN ({', '.join(['%s'] * len(values))})" if values else "1 = 0"
    return queryset.extra(where=[where], params=list(values))


def _copy(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    adapted: bool = False,
    analyze: bool = True,
) -> int:
    """PostgreSQL's COPY FROM STDIN: six times faster than executemany."""
    quote = connection.ops.quote_name
    model_fields = [
        model._meta.pk if name == "pk" else model._meta.get_field(name) for name in fields
    ]
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in model_fields) if a]
    if adapters and not adapted:
        rows = _adapted(rows, adapters)
    columns = ", ".join(quote(f.column) for f in model_fields)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    if analyze and count >= ANALYZE_AFTER and _grew_a_tenth(model, count):
        _analyze(model)
    return count


def _grew_a_tenth(model: type[models.Model], count: int) -> bool:
    """Whether `count` new rows are a tenth or more of what the planner believes the table
    holds: below that its statistics still describe the table (autovacuum's own rule)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        row = cursor.fetchone()
    return row is None or count * 10 >= row[0]


def _analyze(model: type[models.Model]) -> None:
    """Renew the planner's statistics of a table that has just grown a lot.

    Autovacuum would, a minute or so later; meanwhile PostgreSQL plans the next queries
    for the table it knew (a few rows: scans instead of index lookups). A lettrage run right
    after importing a ledger of 200,000 claims took 20 s instead of 12.5 s.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids from the primary key's sequence (PostgreSQL), taken for good."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _insert_with_constants(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    constants: dict[str, Any],
    adapted: bool,
) -> int:
    quote = connection.ops.quote_name
    model_fields = [model._meta.get_field(name) for name in fields]
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in model_fields) if a]
    if adapters and not adapted:
        rows = _adapted(rows, adapters)
    names = [*fields, *constants]
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    picked = ", ".join(f"column{n}" for n in range(1, len(fields) + 1))
    shared = ", ".join(["%s"] * len(constants))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {picked}, {shared} "
    one = f"({', '.join(['%s'] * len(fields))})"
    params_shared = list(constants.values())
    count = 0
    with connection.cursor() as cursor:
        # SQLite takes at most 32,766 parameters a statement
        for chunk in batches(rows, min(VALUES_ROWS, 32_000 // len(fields))):
            values = ", ".join([one] * len(chunk))
            cursor.execute(
                f"{head}FROM (VALUES {values})", [*params_shared, *(v for r in chunk for v in r)]
            )
            count += len(chunk)
    return count


def _insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple], adapted: bool = False
) -> tuple[str, Iterable[Sequence]]:
    quote = connection.ops.quote_name
    model_fields = [model._meta.get_field(name) for name in fields]
    columns = [f.column for f in model_fields]
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in model_fields) if a]
    if adapters and not adapted:
        rows = _adapted(rows, adapters)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    return sql, rows


def batches(rows: Iterable[Any], size: int = IN_BATCH) -> Iterable[list[Any]]:
    """`rows` in lists of `size` (default: ids per IN (...) query, well under SQLite's limit)."""
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _adapted(rows: Iterable[tuple], adapters: list) -> Iterable[list]:
    for row in rows:
        row = list(row)
        for i, adapt in adapters:
            if row[i] is not None:
                row[i] = adapt(row[i])
        yield row


def _adapter(field: models.Field):  # noqa: ANN202
    """Dates and datetimes go through the backend's own adaptation (time zones on SQLite).

    Imports repeat the same few dates and timestamps: each is adapted once."""
    if isinstance(field, models.JSONField):  # what get_db_prep_value does, minus its checks
        adapt = connection.ops.adapt_json_value
        return lambda value: value if isinstance(value, Json) else adapt(value, field.encoder)
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
    elif isinstance(field, models.DateField):
        adapt = connection.ops.adapt_datefield_value
    else:
        return None
    seen: dict = {}

    def cached(value):  # noqa: ANN001, ANN202
        if value not in seen:
            seen[value] = adapt(value)
        return seen[value]

    return cached
