"""Fast inserts, updates and key lookups for compiling large submissions, on SQLite and PostgreSQL.

The ORM's ``bulk_create`` builds a model instance per row, which costs more than the insert
itself at a million rows. So compilation writes Polars frames straight to the database. On
PostgreSQL they go as CSV through ``COPY … FROM STDIN``, on SQLite through ``executemany`` on
the driver's connection.
"""

import io
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import polars as pl
from django.db import connection

CHUNK = 50_000
# Rows per INSERT statement on SQLite. Each statement has a fixed cost, which includes updating
# the AUTOINCREMENT counter. With 100 rows per statement, inserting businesses took about a
# quarter less CPU time than with one row per statement.
ROWS_PER_STATEMENT = 100
# Page cache and sorter threads of the compiling connection on SQLite (see ``sqlite_bulk_settings``).
BULK_CACHE_KIB = 1024 * 1024
BULK_SORTER_THREADS = 2


def reserve_ids(table: str, count: int) -> list[int]:
    """Reserve ``count`` primary keys for rows the caller inserts with explicit ids.

    Must run inside the transaction that inserts them. On SQLite that transaction holds the
    write lock (IMMEDIATE mode), so nobody else can take the same numbers.
    """
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",  # noqa: S608
                [count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def database_datetime(value) -> str:
    """Return an aware datetime as the text the database stores for it, as the ORM would write it."""
    if connection.vendor == "sqlite":
        return connection.ops.adapt_datetimefield_value(value)
    return value.isoformat()


def insert_frame(table: str, frame: pl.DataFrame, constants: dict[str, object] | None = None) -> int:
    """Insert every row of ``frame`` into the columns of the same names; return the number of rows.

    ``constants`` maps more columns to one value that every row gets. On SQLite each statement
    binds such a value once rather than once per row. Date columns are written as ISO text and
    datetimes must already be text (see ``database_datetime``), so both drivers receive the
    same values.
    """
    if frame.height == 0:
        return 0
    constants = constants or {}
    frame = frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        frame = frame.with_columns(pl.lit(value).alias(name) for name, value in constants.items())
        names = ", ".join(quote(c) for c in frame.columns)
        _copy_csv(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT csv)", frame)
    else:
        names = ", ".join(quote(c) for c in [*constants, *frame.columns])
        _insert_sqlite(f"INSERT INTO {quote(table)} ({names}) VALUES ", frame, list(constants.values()))  # noqa: S608
    return frame.height


def _sqlite_rows(count: int, constants: int, width: int) -> str:
    """Return ``count`` row tuples of numbered parameters: ?1 … ?constants in every row, then each row's own."""
    shared = [f"?{number}" for number in range(1, constants + 1)]
    tuples = []
    for row in range(count):
        first = constants + row * width + 1
        own = [f"?{number}" for number in range(first, first + width)]
        tuples.append("(" + ", ".join(shared + own) + ")")
    return ", ".join(tuples)


def _insert_sqlite(sql: str, frame: pl.DataFrame, constants: list) -> None:
    connection.ensure_connection()
    driver = connection.connection
    width = frame.width
    max_variables = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(ROWS_PER_STATEMENT, (max_variables - len(constants)) // width))
    with connection.wrap_database_errors:
        for chunk in frame.iter_slices(CHUNK):
            # Column lists zipped into rows cost less than DataFrame.iter_rows.
            rows = zip(*(column.to_list() for column in chunk.iter_columns()), strict=True)
            values = list(itertools.chain.from_iterable(rows))
            full = chunk.height // per_statement
            step = per_statement * width
            if full:
                driver.executemany(sql + _sqlite_rows(per_statement, len(constants), width),
                                   (constants + values[i * step:(i + 1) * step] for i in range(full)))
            rest = chunk.height - full * per_statement
            if rest:
                driver.execute(sql + _sqlite_rows(rest, len(constants), width), constants + values[full * step:])


def _copy_csv(sql: str, frame: pl.DataFrame) -> None:
    # Polars writes null as an empty field and the empty string as "". COPY's CSV format
    # reads them back the same way, as NULL and as ''.
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in frame.iter_slices(CHUNK):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False)
            copy.write(buffer.getvalue())


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows in chunks; returns the number of rows written."""
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(columns))
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    written = 0
    chunk: list[Sequence] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def update_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Update rows by id; each row is the new values of ``columns`` followed by the id."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE id = %s"  # noqa: S608
    chunk = list(rows)
    if chunk:
        with connection.cursor() as cursor:
            cursor.executemany(sql, chunk)
    return len(chunk)


def key_condition(column: str, keys: Sequence) -> tuple[str, object]:
    """Return an SQL condition "``column`` is one of ``keys``" and its one parameter.

    The keys travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so a
    hundred thousand keys cost one statement instead of one per few thousand keys.
    ``column`` is trusted SQL.
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", list(keys)
    return f"{column} IN (SELECT value FROM json_each(%s))", json.dumps(list(keys))  # noqa: S608


def select_by_keys(select: str, column: str, keys: Sequence, *, where: str = "", params: Sequence = (),
                   order_by: str = "") -> list[tuple]:
    """Run ``select`` for the rows whose ``column`` is one of ``keys`` and return them.

    ``select``, ``where`` and ``order_by`` are trusted SQL; ``where`` takes its values from ``params``.
    """
    if not keys:
        return []
    condition, key_param = key_condition(column, keys)
    sql = f"{select} WHERE {condition}" + (f" AND {where}" if where else "")
    if order_by:
        sql += f" ORDER BY {order_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_param, *params])
        return cursor.fetchall()


def update_by_keys(table: str, assignments: dict[str, object], column: str, keys: Sequence, *,
                   where: str = "", params: Sequence = ()) -> int:
    """Set ``assignments`` on the rows whose ``column`` is one of ``keys``; return the rows changed."""
    if not keys:
        return 0
    quote = connection.ops.quote_name
    condition, key_param = key_condition(quote(column), keys)
    settings = ", ".join(f"{quote(name)} = %s" for name in assignments)
    sql = f"UPDATE {quote(table)} SET {settings} WHERE {condition}" + (f" AND {where}" if where else "")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*assignments.values(), key_param, *params])
        return cursor.rowcount


@contextmanager
def sqlite_bulk_settings() -> Iterator[None]:
    """Give the SQLite connection a larger page cache and sorter threads while a bulk load runs.

    Index pages of a table that grows by a million rows do not fit SQLite's default 2 MB
    cache, so every insert would read and write them through the WAL again. Sorter threads
    let ``CREATE INDEX`` sort on a second core. Neither setting touches durability. The
    previous values come back on exit. Other databases are left alone.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA threads")
        threads = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(BULK_CACHE_KIB)}")
        cursor.execute(f"PRAGMA threads = {int(BULK_SORTER_THREADS)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.execute(f"PRAGMA threads = {int(threads)}")


@contextmanager
def indexes_deferred(indexes: dict[str, set[tuple[str, ...]]]) -> Iterator[list[str]]:
    """Drop the given indexes of empty tables and build them again at the end (SQLite, PostgreSQL).

    ``indexes`` maps each table to the column tuples of its indexes to defer. Worth it for
    indexes whose keys arrive in random order: building one from a million rows costs a
    fraction of updating it on every insert. Indexes whose keys arrive in ascending order
    cost little to update, and are better left in place, because a build reads the whole
    table again. Unique indexes always stay.

    Must run inside the transaction that loads the rows: if the load raises, the rollback
    restores the indexes and nothing is built. Yields the names of the deferred indexes.
    On PostgreSQL, dropping an index locks its table until the transaction ends, so reads of
    the still empty registry wait for the load. On other databases, and for tables that already
    have rows, nothing changes.
    """
    deferred: list[tuple[str, str]] = []
    find = {"sqlite": _indexes_on, "postgresql": _postgres_indexes_on}.get(connection.vendor)
    if find is not None:
        with connection.cursor() as cursor:
            for table, columns in indexes.items():
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is None:
                    deferred.extend(find(cursor, table, columns))
            for name, _sql in deferred:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield [name for name, _sql in deferred]
    if deferred:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # PostgreSQL builds no index on a table with foreign-key checks still pending, and
                # Django's foreign keys are checked at commit. Run those checks now instead.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, sql in deferred:
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _postgres_indexes_on(cursor, table: str, column_sets: set[tuple[str, ...]]) -> list[tuple[str, str]]:
    """Return (name, CREATE statement) of the non-unique indexes of ``table`` on one of ``column_sets``.

    Only plain indexes of the table's columns count. An index on an expression or with a
    condition is left in place.
    """
    cursor.execute(
        """
        SELECT index_class.relname, pg_get_indexdef(ix.indexrelid),
               array_agg(attribute.attname ORDER BY key.position)
        FROM pg_index ix
        JOIN pg_class index_class ON index_class.oid = ix.indexrelid
        CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS key(attnum, position)
        JOIN pg_attribute attribute ON attribute.attrelid = ix.indrelid AND attribute.attnum = key.attnum
        WHERE ix.indrelid = %s::regclass AND NOT ix.indisunique AND NOT ix.indisprimary
              AND ix.indpred IS NULL AND ix.indexprs IS NULL
        GROUP BY index_class.relname, ix.indexrelid
        """,
        [connection.ops.quote_name(table)],
    )
    return [(name, sql) for name, sql, columns in cursor.fetchall() if tuple(columns) in column_sets]


def _indexes_on(cursor, table: str, wanted: set[tuple[str, ...]]) -> list[tuple[str, str]]:
    """Return (name, CREATE statement) of the non-unique indexes of ``table`` on one of ``wanted``."""
    quote = connection.ops.quote_name
    cursor.execute(f"PRAGMA index_list({quote(table)})")
    unique = {name for _seq, name, is_unique, *_rest in cursor.fetchall() if is_unique}
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
        [table],
    )
    found = []
    for name, sql in cursor.fetchall():
        cursor.execute(f"PRAGMA index_info({quote(name)})")
        columns = tuple(column for _rank, _cid, column in cursor.fetchall())
        if name not in unique and columns in wanted:
            found.append((name, sql))
    return found
