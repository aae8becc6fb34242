"""Every model change has its migration, so a fresh install builds the schema the code expects."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_match_migrations():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (run 'satudata makemigrations'):\n{out.getvalue()}"
                    f"exit status {exit_.code}")
