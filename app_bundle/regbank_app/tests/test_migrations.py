import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree(capsys):
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit as exc:  # pragma: no cover - the failure message says what is missing
        pytest.fail("models changed without a migration:\n" + capsys.readouterr().out + str(exc))
