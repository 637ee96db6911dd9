"""The audit log refuses UPDATE (both databases) and DELETE (PostgreSQL) in the database itself,
so not even raw SQL through the application's connection edits it. SQLite keeps DELETE open
because Django's test flush empties tables with DELETE; PostgreSQL's flush uses TRUNCATE."""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION store_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '审计日志只能追加，不能修改或删除'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER store_audit_no_update BEFORE UPDATE OR DELETE ON store_auditevent
FOR EACH ROW EXECUTE FUNCTION store_audit_append_only();
"""
PG_UNDO = "DROP TRIGGER IF EXISTS store_audit_no_update ON store_auditevent; DROP FUNCTION IF EXISTS store_audit_append_only();"
SQLITE = """
CREATE TRIGGER store_audit_no_update BEFORE UPDATE ON store_auditevent
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS store_audit_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNDO)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UNDO)


class Migration(migrations.Migration):
    dependencies = [("store", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
