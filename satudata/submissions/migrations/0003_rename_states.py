from django.db import migrations

RENAMED = {"received": "draft", "validated": "checked"}


def forward(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    for old, new in RENAMED.items():
        Submission.objects.filter(state=old).update(state=new)


def backward(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    for old, new in RENAMED.items():
        Submission.objects.filter(state=new).update(state=old)


class Migration(migrations.Migration):
    """Renames the states of the first upload-only flow to those of the full procedure."""

    dependencies = [("submissions", "0002_submission_accepted_at_submission_checklist_and_more")]
    operations = [migrations.RunPython(forward, backward)]
