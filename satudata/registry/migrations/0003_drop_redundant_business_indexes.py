"""Drop the single-column indexes of three foreign keys whose composite indexes start with the same column.

Lookups by owner use the (owner, name_key) index, lookups by business the unique (business,
number) index of versions and the (business, period) index of transaction records. Each
redundant index cost an extra B-tree insert per compiled row. The indexes are dropped by name
instead of through ``AlterField``, because on SQLite that rebuilds each table with all its rows.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index name as Django created it in 0001_initial)
REDUNDANT = [
    ("registry_business", "owner_id", "registry_business_owner_id_d4012efd"),
    ("registry_businessversion", "business_id", "registry_businessversion_business_id_a84efd2a"),
    ("registry_transactionrecord", "business_id", "registry_transactionrecord_business_id_be8a317a"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_business_submitted_village_code"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in REDUNDANT
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="business",
                    name="owner",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="businesses", to="registry.owner"),
                ),
                migrations.AlterField(
                    model_name="businessversion",
                    name="business",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="versions", to="registry.business"),
                ),
                migrations.AlterField(
                    model_name="transactionrecord",
                    name="business",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="transactions", to="registry.business"),
                ),
            ],
        ),
    ]
