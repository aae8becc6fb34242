"""Fast inserts and updates for compiling large submissions, on SQLite and PostgreSQL.

The ORM's ``bulk_create`` builds a model instance per row, which costs more than the insert
itself at a million rows, so compilation writes tuples straight through the DB-API cursor.
"""

from collections.abc import Iterable, Sequence

from django.db import connection

CHUNK = 50_000


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
