"""HTML → PDF with Debian's Chromium in headless mode (print to PDF).

Chromium lays out Cyrillic text, tables and the inline SVG charts exactly as the
printable page shows them. The page is our own HTML (everything escaped, styles and
charts inline), written to a private temporary folder; its Content-Security-Policy
allows no script and no fetch (turning scripts off in Chromium itself breaks its print
to PDF). Setting REGBANK_CHROMIUM names the binary (default /usr/bin/chromium); without
it the PDF link is not offered and the printable page is printed from the browser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

TIMEOUT = 60


class PdfError(RuntimeError):
    pass


def chromium() -> str | None:
    path = getattr(settings, "REGBANK_CHROMIUM", "") or "/usr/bin/chromium"
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    return shutil.which(path) if "/" not in path else None


def available() -> bool:
    return chromium() is not None


def html_to_pdf(html: str) -> bytes:
    binary = chromium()
    if binary is None:
        raise PdfError("Chromium is not installed (setting REGBANK_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="regbank-pdf-") as folder:
        source = Path(folder) / "report.html"
        target = Path(folder) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            binary,
            "--headless",
            "--disable-gpu",
            # the page is our own and its CSP allows no script and no fetch; Chromium's
            # sandbox needs user namespaces a service account often lacks
            "--no-sandbox",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": folder,
            "LANG": "ru_RU.UTF-8",
        }
        try:
            proc = subprocess.run(
                command, capture_output=True, timeout=TIMEOUT, check=False, env=env, cwd=folder
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish in {TIMEOUT} s") from exc
        if not target.is_file() or target.stat().st_size == 0:
            raise PdfError(
                f"Chromium exited with {proc.returncode}: "
                + proc.stderr.decode(errors="replace")[-500:]
            )
        return target.read_bytes()
