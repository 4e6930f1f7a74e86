from django.shortcuts import redirect
from django.urls import reverse

from regbank_app import site

ALLOWED_PREFIXES = ("/static/", "/health/")
# What only the regional server does, and municipal servers send users here for: signing
# in and out, passwords and accounts (with their import), analytics.
REGIONAL_ONLY_PREFIXES = ("/accounts/", "/import/", "/analytics/")


class ForcePasswordChangeMiddleware:
    """A user with a temporary password may only change it or log out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            allowed = {
                reverse("accounts:password_change"),
                reverse("accounts:logout"),
            }
            if request.path not in allowed:
                return redirect("accounts:password_change")
        return self.get_response(request)


class MunicipalServerMiddleware:
    """At the regional server, an officer of an МО with its own server is sent to a page
    naming that server: his МО's cards are edited there. Regional users stay."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(ALLOWED_PREFIXES + REGIONAL_ONLY_PREFIXES)
            and site.municipal_server_for(user)
        ):
            return redirect("accounts:municipal-server")
        return self.get_response(request)
