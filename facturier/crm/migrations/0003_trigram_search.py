"""Trigram indexes for the free-text and domain filters (PostgreSQL only).

The invoice list finds customers by a part of their name (`name__icontains`, i.e.
UPPER(name) LIKE '%TEXT%') and by the domain of an address (UPPER(address) LIKE '%@DOMAIN').
Neither can use a b-tree; at 20,000 customers the sequential scan cost 20-30 ms of each filtered
page. A GIN trigram index on the same expressions serves both LIKE forms.

pg_trgm ships with PostgreSQL (Debian's postgresql package includes it) but creating an extension
may need rights the application's role lacks: then the migration says so and goes on, the filters
work as before (a sequential scan), and a DBA can run `CREATE EXTENSION pg_trgm` and migrate again
(`facturier migrate crm 0002 && facturier migrate`).
"""

from __future__ import annotations

import sys

from django.db import migrations, transaction

# The expressions are exactly those Django writes for icontains / iendswith, so the planner matches them.
INDEXES = {
    "crm_customer_name_trgm": "crm_customer USING gin (UPPER(name::text) gin_trgm_ops)",
    "crm_customeremail_address_trgm": "crm_customeremail USING gin (UPPER(address::text) gin_trgm_ops)",
}


def _has_trgm(schema_editor) -> bool:  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            with transaction.atomic(using=connection.alias):  # a savepoint: a refusal leaves the rest intact
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # no right to create it: the filters still work, only slower
            print(f"\n  pg_trgm not available ({exc}): text filters will scan the customers", file=sys.stderr)
            return False
    return True


def create(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql" or not _has_trgm(schema_editor):
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
