"""Carry the old ``confirmed`` flag of crosswalk pairs over to ``status``."""

from django.db import migrations


def forwards(apps, schema_editor):
    pair = apps.get_model("reference", "CrosswalkPair")
    pair.objects.filter(confirmed=False).update(status="proposed")


def backwards(apps, schema_editor):
    pair = apps.get_model("reference", "CrosswalkPair")
    pair.objects.exclude(status="confirmed").update(confirmed=False)


class Migration(migrations.Migration):

    dependencies = [
        ("reference", "0002_crosswalk_review"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
