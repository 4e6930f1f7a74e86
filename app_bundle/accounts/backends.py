from django.contrib.auth.backends import BaseBackend

from .models import User


class UserBackend(BaseBackend):
    """Username (case-insensitive) and password; active users only. No permissions:
    access follows the user's role and scope (see the `visible_to` querysets)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        try:
            user = User.objects.select_related("mo", "agency").get(username__iexact=username)
        except User.DoesNotExist:
            User().set_password(password)  # same time as for an existing user
            return None
        if user.is_active and user.check_password(password):
            return user
        return None

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("mo", "agency").get(pk=user_id)
        except (User.DoesNotExist, ValueError):
            return None
        return user if user.is_active else None
