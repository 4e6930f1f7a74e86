"""Accounts the kit's calibration logs in with (`regbank calibrate`), and their end.

The calibration drives the application with locust as a regional officer and as the
municipal officers of up to three МО edited at this site. This command makes (or
refreshes) those accounts with new random passwords and prints them as one JSON line
for the calibration, which keeps them only in its own files; `--deactivate` switches
every calibration account off once the figures are taken.
"""

import json
import secrets

from django.core.management.base import BaseCommand

from accounts.models import Role, User
from directory.models import Agency, Municipality
from regbank_app import site

PREFIX = "calibrate."
MUNICIPAL_ACCOUNTS = 3


def _password() -> str:
    # Meets the site's password rules: length, letters of both alphabets, digits, signs.
    return "Kb7-" + secrets.token_urlsafe(18) + "-Яx"


def _account(username: str, **fields) -> dict:
    user = User.objects.filter(username=username).first() or User(username=username)
    for key, value in fields.items():
        setattr(user, key, value)
    password = _password()
    user.set_password(password)
    user.is_active = True
    user.must_change_password = False
    user.save()
    return {"username": username, "password": password}


class Command(BaseCommand):
    help = "Учётные записи калибровки (regbank calibrate): создать или отключить"

    def add_arguments(self, parser):
        parser.add_argument(
            "--deactivate", action="store_true", help="switch every calibration account off"
        )

    def handle(self, *args, deactivate=False, **options):
        if deactivate:
            count = User.objects.filter(username__startswith=PREFIX).update(is_active=False)
            self.stdout.write(json.dumps({"deactivated": count}))
            return
        homes = [
            mo
            for mo in Municipality.objects.filter(is_active=True).order_by("sort_order")
            if site.is_home_of(mo)
        ][:MUNICIPAL_ACCOUNTS]
        regional = _account(
            f"{PREFIX}regional",
            last_name="Калибровка",
            first_name="Региональный",
            role=Role.REGIONAL,
            mo=None,
            agency=None,
        )
        municipal = [
            _account(
                f"{PREFIX}{mo.code.lower()}",
                last_name="Калибровка",
                first_name=mo.name,
                role=Role.MUNICIPAL,
                mo=mo,
                agency=Agency.objects.filter(mo=mo, type="kdn").first(),
            )
            for mo in homes
        ]
        self.stdout.write(json.dumps({"regional": [regional], "municipal": municipal}))
