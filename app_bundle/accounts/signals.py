"""Login, logout and failed login as audit events (written in the request's transaction)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from regbank_app.audit_trail import Action, record

from .models import User


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(request, Action.LOGIN, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(request, Action.LOGOUT, user=user)


def _user_named(username):
    if not username:
        return None
    return User.objects.select_related("agency").filter(username__iexact=username).first()


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "") or ""
    record(
        request,
        Action.LOGIN_FAILED,
        user=_user_named(username),
        username=username[:150],
        details={"username": username[:150]},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record(
        request,
        Action.LOCKOUT,
        user=_user_named(username),
        username=(username or "")[:150],
        details={"username": (username or "")[:150]},
    )
