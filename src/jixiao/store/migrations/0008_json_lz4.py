"""The large JSON columns compressed with lz4 on PostgreSQL.

PostgreSQL compresses a value over ≈ 2 KB before storing it out of line (TOAST); its default,
pglz, is slow on the ≈ 18 KB score records: with lz4 the writing of a bulk import went from 134
to 203 forms a second (2,000 project forms, two runs a minute apart), for about the same size on
disk. It applies to values written from now on; older values stay readable as they are. Skipped
where the server was built without lz4, and on SQLite, which does not compress.
"""

from django.db import migrations

LARGE = (("score", "record"), ("caseversion", "facts"), ("edition", "framework"))


def lz4(apps, schema_editor, method="lz4"):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'",
                       [method])
        row = cursor.fetchone()
        if not (row and row[0]):
            return
        for model, field in LARGE:
            meta = apps.get_model("store", model)._meta
            column = meta.get_field(field).column
            cursor.execute(f"ALTER TABLE {schema_editor.quote_name(meta.db_table)} "
                           f"ALTER COLUMN {schema_editor.quote_name(column)} SET COMPRESSION {method}")


def pglz(apps, schema_editor):
    lz4(apps, schema_editor, "pglz")


class Migration(migrations.Migration):

    dependencies = [("store", "0007_common_indicator")]

    operations = [migrations.RunPython(lz4, pglz)]
