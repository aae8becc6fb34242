"""Database triggers that reject UPDATE and DELETE of audit entries and checkpoints.

The model refuses changes in the ORM; these triggers refuse them in plain SQL too, on SQLite
and PostgreSQL (on PostgreSQL TRUNCATE as well). The owner of the tables can still drop a
trigger, which the hash chain and the signed checkpoints then reveal.

NOTE: SQLite rebuilds a table to apply most column changes, and the rebuilt table has no
triggers: a later migration that alters these tables must run this migration's SQL again.
"""

from django.db import migrations

TABLES = ("audit_auditentry", "audit_checkpoint")

SQLITE_CREATE = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE is not allowed'); END;
"""
SQLITE_DROP = """
DROP TRIGGER IF EXISTS {table}_no_update;
DROP TRIGGER IF EXISTS {table}_no_delete;
"""

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION satudata_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""
POSTGRES_CREATE = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION satudata_reject_change();
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION satudata_reject_change();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for statement in SQLITE_CREATE.format(table=table).strip().split("END;"):
                if statement.strip():
                    schema_editor.execute(statement.strip() + " END;")
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, None)
        for table in TABLES:
            schema_editor.execute(POSTGRES_CREATE.format(table=table), None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for statement in SQLITE_DROP.format(table=table).strip().splitlines():
                schema_editor.execute(statement)
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(POSTGRES_DROP.format(table=table), None)
        schema_editor.execute("DROP FUNCTION IF EXISTS satudata_reject_change();")


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_checkpoints"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
