"""The engineer's first load of a large file: the same checks and writes as the page.

    regbank-manage import_cards families семьи.xlsx --mo MO-1 --user ivanova [--check]

Without --mo each row names its МО (the МО column); the file is written whole or not at
all, with a progress bar on stderr; problems are printed by row and column. Agencies and
users (directories and accounts) are loaded at the regional server only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from directory.models import Municipality
from regbank_app import site

from ...checking import Scope
from ...kinds import KINDS
from ...loading import load
from ...reading import MAX_FILE_BYTES, FileRefused

PROBLEMS_PRINTED = 200


class Progress:
    """A text progress bar on stderr: `[#####.....] 5000/10000` (cards or plans)."""

    def __init__(self, stream, width: int = 40):
        self.stream, self.width = stream, width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Загрузить карточки, планы ИПР, субъекты профилактики или пользователей из файла XLSX "
        "или CSV (первичное заполнение)"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="что в файле")
        parser.add_argument("path", help="файл .xlsx или .csv")
        parser.add_argument("--mo", help="код МО всех строк (иначе — столбец «МО»)")
        parser.add_argument("--user", help="имя входа, от которого записываются карточки")
        parser.add_argument("--check", action="store_true", help="только проверить")

    def handle(self, *args, kind, path, mo, user, check, **options):
        if KINDS[kind].reference and not site.masters_reference_data():
            raise CommandError(
                f"{KINDS[kind].title}: справочники и учётные записи загружаются на "
                "региональном сервере"
            )
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: файл не найден")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: файл больше {MAX_FILE_BYTES >> 20} МБ; разделите его")
        scope_mo = None
        if mo:
            scope_mo = Municipality.objects.filter(code=mo).first()
            if scope_mo is None:
                raise CommandError(f"--mo {mo}: нет такого МО в справочнике")
        author = None
        if user:
            author = get_user_model().objects.filter(username__iexact=user).first()
            if author is None:
                raise CommandError(f"--user {user}: нет такого пользователя")
        try:
            checked, written = load(
                file.read_bytes(),
                file.name,
                KINDS[kind],
                Scope(scope_mo),
                write=not check,
                request=None,
                user=author,
                progress=Progress(sys.stderr),
            )
        except FileRefused as exc:
            raise CommandError(f"{path}: {exc} Ничего не записано.") from exc
        for problem in checked.problems[:PROBLEMS_PRINTED]:
            column = f", столбец «{problem.column}»" if problem.column else ""
            self.stderr.write(f"{path}: строка {problem.row}{column}: {problem.message}")
        if checked.problems:
            raise CommandError(f"{path}: ошибок {len(checked.problems)}; ничего не записано")
        self.stdout.write(
            f"{checked.source}: строк {checked.rows}, новых записей {len(checked.cards)}, "
            f"уже в банке {len(checked.skipped)}"
        )
        if written:
            self.stdout.write(f"записано: {written['summary']} (импорт {written['batch']})")
