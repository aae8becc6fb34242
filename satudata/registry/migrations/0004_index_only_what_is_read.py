"""Index only what queries of the registry read; each index costs time at every load.

- Nothing filters businesses by their first or last submission, and submissions are never
  deleted, so those two foreign keys lose their indexes.
- Few businesses are ever merged, so the index of ``merged_into`` keeps only the merged ones.
- One index over (province, regency, district, village) replaces one index per level: a filter
  on a region names its parents too (``access.scope.region_path_q``).
- Nothing looks owners up by name key or by e-mail index, nor versions up by submission.
- On PostgreSQL, Django gives every indexed text column a second ``*_like`` index for
  ``LIKE 'prefix%'``. No query of the registry uses LIKE on these columns, so they go.

A million-business load maintained or built each of these indexes, a second or more each. As
in 0003, indexes are dropped by name rather than through ``AlterField``, which on SQLite would
rebuild the table with all its rows once per field.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index name as Django created it in 0001_initial)
DROPPED = [
    ("registry_business", "first_submission_id", "registry_business_first_submission_id_8d6d3a3f"),
    ("registry_business", "last_submission_id", "registry_business_last_submission_id_7644e1cb"),
    ("registry_business", "merged_into_id", "registry_business_merged_into_id_cbc78647"),
    ("registry_business", "village_code", "registry_business_village_code_2c5b033c"),
    ("registry_business", "district_code", "registry_business_district_code_50690a6f"),
    ("registry_business", "regency_code", "registry_business_regency_code_e8ba51c6"),
    ("registry_business", "province_code", "registry_business_province_code_4249a219"),
    ("registry_owner", "name_key", "registry_owner_name_key_9d18a3ab"),
    ("registry_owner", "email_index", "registry_owner_email_index_3fac09b0"),
    ("registry_businessversion", "submission_id", "registry_businessversion_submission_id_e98d40b6"),
]
# PostgreSQL's pattern indexes (varchar_pattern_ops) of text columns; SQLite has none.
PATTERN = [
    ("registry_business", "umkm_code", "registry_business_umkm_code_58517230_like"),
    ("registry_business", "nib", "registry_business_nib_ab38c77d_like"),
    ("registry_business", "kbli_category", "registry_business_kbli_category_e8368eaf_like"),
    ("registry_business", "kbli_division", "registry_business_kbli_division_befe1330_like"),
    ("registry_business", "scale", "registry_business_scale_ee46778f_like"),
    ("registry_business", "village_code", "registry_business_village_code_2c5b033c_like"),
    ("registry_business", "district_code", "registry_business_district_code_50690a6f_like"),
    ("registry_business", "regency_code", "registry_business_regency_code_e8ba51c6_like"),
    ("registry_business", "province_code", "registry_business_province_code_4249a219_like"),
    ("registry_owner", "nik_index", "registry_owner_nik_index_2c97a42d_like"),
    ("registry_owner", "phone_index", "registry_owner_phone_index_712f4e54_like"),
    ("registry_owner", "name_key", "registry_owner_name_key_9d18a3ab_like"),
    ("registry_owner", "email_index", "registry_owner_email_index_3fac09b0_like"),
]


def drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, index in PATTERN:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


def create_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, index in PATTERN:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}" varchar_pattern_ops)')


def text(max_length: int, **kwargs) -> models.CharField:
    return models.CharField(max_length=max_length, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0003_drop_redundant_business_indexes"),
        ("submissions", "0005_submission_overdue_notice_step"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="business",
                    name="first_submission",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="submissions.submission"),
                ),
                migrations.AlterField(
                    model_name="business",
                    name="last_submission",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="submissions.submission"),
                ),
                migrations.AlterField(
                    model_name="business",
                    name="merged_into",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to="registry.business"),
                ),
                migrations.AlterField(model_name="business", name="village_code",
                                      field=text(13, verbose_name="village code")),
                migrations.AlterField(model_name="business", name="district_code", field=text(8)),
                migrations.AlterField(model_name="business", name="regency_code", field=text(5)),
                migrations.AlterField(model_name="business", name="province_code", field=text(2)),
                migrations.AlterField(model_name="owner", name="name_key", field=text(200)),
                migrations.AlterField(model_name="owner", name="email_index", field=text(64, null=True)),
                migrations.AlterField(
                    model_name="businessversion",
                    name="submission",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="submissions.submission"),
                ),
            ],
        ),
        migrations.RunPython(drop_pattern_indexes, create_pattern_indexes),
        migrations.AddIndex(
            model_name="business",
            index=models.Index(condition=models.Q(("merged_into__isnull", False)), fields=["merged_into"],
                               name="registry_business_merged_into"),
        ),
        migrations.AddIndex(
            model_name="business",
            index=models.Index(fields=["province_code", "regency_code", "district_code", "village_code"],
                               name="registry_business_region"),
        ),
    ]
