from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reference", "0003_crosswalk_status_from_confirmed"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="crosswalkpair",
            name="confirmed",
        ),
    ]
