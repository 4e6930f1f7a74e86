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


def edit_object(
    request, obj, form_class, template, context=None, *, success_url=None, **form_kwargs
):
    """Edit `obj` (already checked) with `form_class`; audit the changed fields."""
    from django.contrib import messages
    from django.shortcuts import redirect, render

    from audit import services as audit
    from audit.models import Action

    before = audit.snapshot(obj)
    form = form_class(request.POST or None, instance=obj, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        changes = audit.diff(before, audit.snapshot(obj))
        if changes:
            audit.record(request, Action.UPDATE, obj, changes=changes)
        messages.success(request, "Изменения сохранены." if changes else "Изменений нет.")
        return redirect(success_url or obj)
    return render(request, template, {"form": form, "object": obj, **(context or {})})


def create_object(
    request, form_class, template, setup, context=None, *, success_url=None, **form_kwargs
):
    """Create an object with `form_class`; `setup(obj)` fills МО and parents before saving."""
    from django.contrib import messages
    from django.shortcuts import redirect, render

    from audit import services as audit
    from audit.models import Action

    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        setup(obj)
        obj.save()
        form.save_m2m()
        audit.record(request, Action.CREATE, obj, changes=audit.created(obj))
        messages.success(request, "Запись создана.")
        return redirect(success_url or obj)
    return render(request, template, {"form": form, **(context or {})})


def delete_object(request, obj, *, success_url, cancel_url, card=None, blockers=()):
    from django.contrib import messages
    from django.shortcuts import redirect, render

    from audit import services as audit
    from audit.models import Action

    if request.method == "POST" and not blockers:
        audit.record(request, Action.DELETE, obj, changes=audit.deleted(obj))
        obj.delete()
        messages.success(request, "Запись удалена.")
        return redirect(success_url)
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": obj, "card": card, "blockers": list(blockers), "cancel_url": cancel_url},
    )


def kdn_queryset_visible_to(queryset, user):
    """Commission and raid records: regional officers read all, КДН staff their МО."""
    from accounts.models import Role

    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.REGIONAL:
        return queryset
    if user.role == Role.MUNICIPAL and user.mo_id:
        return queryset.filter(mo_id=user.mo_id)
    return queryset.none()


def kdn_editable_by(obj, user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.is_municipal
        and user.mo_id == obj.mo_id
        and obj.is_home_here
    )
