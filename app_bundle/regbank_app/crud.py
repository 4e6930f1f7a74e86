"""Access checks shared by the views of every registry-like app.

Reading is decided by each model's `visible_to(user)` queryset; writing by the object's
`editable_by(user)` and its home site. Views call these and nothing else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from . import site


def get_visible(request, queryset, pk):
    """The object if the user may read it, else 404 (never reveal that it exists)."""
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)


def require_editable(request, obj, check=None) -> None:
    allowed = check(request.user) if check else obj.editable_by(request.user)
    if allowed:
        return
    if not obj.is_home_here:
        raise PermissionDenied(
            f"Запись ведётся {obj.home_site_label}; здесь она доступна только для чтения."
        )
    raise PermissionDenied("Изменять эту запись может только специалист КДН и ЗП её МО.")


def require_card_keeper(request):
    """The МО whose card file the user keeps here, or 403."""
    user = request.user
    if not (user.is_active and user.is_municipal and user.mo_id):
        raise PermissionDenied("Создавать записи может только специалист КДН и ЗП МО.")
    if not site.is_home_of(user.mo):
        raise PermissionDenied(
            f"Картотека {user.mo.name} ведётся {site.home_site_label(user.mo)}; "
            "здесь она доступна только для чтения."
        )
    return user.mo
