"""Documents of the pack in Russian: jinja2 → HTML → PDF (Debian's Chromium, headless)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from regbank_foundation.errors import RegbankError

TEMPLATES = Path(__file__).resolve().parent / "templates"
DOCUMENTS = {
    "protocol": "Протокол испытаний",
    "passport": "Технический паспорт",
    "protection-tools": "Перечень средств защиты информации",
    "measure-matrix": "Матрица мер защиты информации",
}
# Packages worth naming in the passport (the full list is in packages/<host>.txt).
KEY_PACKAGES = (
    "openssh-server", "sudo", "libpam-pwquality", "auditd", "aide", "nftables", "chrony",
    "rsyslog", "rsyslog-gnutls", "openssl", "postgresql-15", "postgresql-15-pgaudit",
    "pgbackrest", "nginx", "prometheus-node-exporter", "prometheus-postgres-exporter",
    "wireguard-tools", "clamav", "python3",
)  # fmt: skip
RESULT_TEXT = {
    "pass": "выполнено",
    "fail": "не выполнено",
    "error": "ошибка",
    "not_checked": "без автоматической проверки",
    "document": "документ оператора",
    "external": "сертифицированное средство оператора",
    "planned": "роль ещё не в комплекте",
}
BUCKET_TEXT = {
    "implemented+checked": "реализуется ролями и (или) проверяется",
    "external": "сертифицированные средства (слоты)",
    "organisational": "организационные (документы)",
    "planned": "запланированы (роли пишутся)",
    "unmapped": "без способа выполнения",
}
KIND_TEXT = {
    "implemented_by": "реализуется ролью",
    "checked_by": "проверяется",
    "organisational": "организационная",
    "external": "сертифицированное средство",
    "planned": "запланирована",
}


class RenderError(RegbankError):
    pass


def _date(value: str | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%d.%m.%Y %H:%M" if isinstance(value, datetime) else "%d.%m.%Y")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ru_date"] = _date
    env.globals |= {"RESULT_TEXT": RESULT_TEXT, "KIND_TEXT": KIND_TEXT, "BUCKET_TEXT": BUCKET_TEXT}
    return env


def _packages(out: Path, host: str) -> list[tuple[str, str]]:
    path = out / "packages" / f"{host}.txt"
    if not path.is_file():
        return []
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(name, version) for name, version in rows if name in KEY_PACKAGES]


def _applies(tool: Any, host: dict[str, Any]) -> bool:
    return bool({"all", host["name"], *host["groups"]} & set(tool.hosts))


def render_documents(
    out: Path, results: dict[str, Any], tools: list[Any] | None, *, pdf: bool = True
) -> list[Path]:
    env = environment()
    tools = tools or []
    slots = results["coverage"]["external_slots"]
    covered = {tool.slot for tool in tools if tool.slot}
    context = {
        "r": results,
        "tools": tools,
        "tools_given": bool(tools),
        "uncovered_slots": {k: v for k, v in slots.items() if k not in covered},
        "key_packages": {h["name"]: _packages(out, h["name"]) for h in results["hosts"]},
        "tools_on": {h["name"]: [t for t in tools if _applies(t, h)] for h in results["hosts"]},
        "titles": DOCUMENTS,
    }
    written = []
    for name, title in DOCUMENTS.items():
        html = env.get_template(f"{name}.html.j2").render(context | {"title": title})
        path = out / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    if pdf:
        written += [html_to_pdf(path) for path in list(written)]
    return written


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        "PDF: Chromium not found (Debian package chromium); install it or pass --no-pdf"
    )


def html_to_pdf(html: Path) -> Path:
    pdf = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="rb-chromium-") as profile:
        command = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", html.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise RenderError(f"PDF: Chromium did not write {pdf}:\n{done.stderr[-1500:]}")
    return pdf
