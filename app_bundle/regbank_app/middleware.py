"""Request logging (one structured line per request; no query strings: they hold names),
no caching of pages with personal data, and refused access as a security event."""

from __future__ import annotations

import logging
import time
import uuid

from django.utils.cache import add_never_cache_headers

from . import audit_trail
from .net import client_ip

log = logging.getLogger("regbank.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        log.info(
            "request",
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                "client_ip": client_ip(request),
            },
        )
        return response


class NoStoreMiddleware:
    """Every answer to a logged-in user (cards, lists, exports) carries personal data:
    `Cache-Control: no-store`, so neither a browser nor a proxy keeps a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RefusedAccessMiddleware:
    """An attempt to reach a row outside the user's scope is a security event (РСБ).

    `crud.get_visible` marks the request with the row it refused; the event is written
    here, after the view's transaction was rolled back with its 404 (an event written
    inside it would vanish with it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        refused = getattr(request, "refused_object", None)
        if refused is not None:
            audit_trail.record(
                request,
                audit_trail.Action.ACCESS_DENIED,
                refused,
                object_repr="",
                details={"path": request.path, "method": request.method},
            )
        return None
