"""The client's address as seen by the application."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or nginx's X-Real-IP when the site runs behind the proxy."""
    candidates = []
    if getattr(settings, "REGBANK_BEHIND_PROXY", False):
        candidates.append(request.META.get("HTTP_X_REAL_IP", ""))
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for value in candidates:
        value = (value or "").strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return None
