"""View helpers shared by every app: access checks and the audited create, edit, delete.

Reading is decided by each model's `visible_to(user)` queryset; writing by the object's
`editable_by(user)` and its home site. Saving goes through `audit_trail`, so every write
these helpers make leaves its audit event; the hooks (`setup`, `after_save`) carry the
extra steps a view needs inside that one path.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from . import audit_trail, site
from .roles import Role


def get_visible(request, queryset, pk):
    """The object if the user may read it, else 404 (never reveal that it exists).

    A malformed id (a query parameter such as `?family=abc`) is a 404 too, not a 500.
    A row that exists out of the user's scope is marked on the request, so that the
    refusal is recorded as a security event.
    """
    try:
        return get_object_or_404(queryset.visible_to(request.user), pk=pk)
    except ValidationError as exc:
        raise Http404("Запись не найдена.") from exc
    except Http404:
        # the row exists out of the user's scope: RefusedAccessMiddleware records it
        request.refused_object = queryset.model._default_manager.filter(pk=pk).first()
        raise


def require_editable(request, obj, check=None) -> None:
    allowed = check(request.user) if check else obj.editable_by(request.user)
    if allowed:
        return
    if not obj.is_home_here:
        raise PermissionDenied(
            f"Запись ведётся {site.home_site_where(obj.mo)}; здесь она доступна только для чтения."
        )
    raise PermissionDenied("Изменять эту запись может только специалист КДН и ЗП её МО.")


def require_card_keeper(request):
    """The МО whose card file the user keeps here, or 403."""
    user = request.user
    if not (user.is_active and user.is_municipal and user.mo_id):
        raise PermissionDenied("Создавать записи может только специалист КДН и ЗП МО.")
    if not site.is_home_of(user.mo):
        raise PermissionDenied(
            f"Картотека {user.mo.name} ведётся {site.home_site_where(user.mo)}; "
            "здесь она доступна только для чтения."
        )
    return user.mo


def _no_hook(obj) -> None:
    return None


def _save_form(form):
    return form.save()


def edit_object(
    request,
    obj,
    form_class,
    template,
    context=None,
    *,
    success_url=None,
    saved_message="Изменения сохранены.",
    unchanged_message="Изменений нет.",
    save=_save_form,
    **form_kwargs,
):
    """Edit `obj` (already checked) with `form_class`; audit the changed fields.

    `save(form)` saves the valid form (default `form.save()`); a view with extra steps
    (who changed it, fields the form does not save itself) passes its own.
    """
    before = audit_trail.snapshot(obj)
    form = form_class(request.POST or None, instance=obj, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        changes = audit_trail.update(request, obj, before, save=lambda: save(form))
        messages.success(request, saved_message if changes else unchanged_message)
        return redirect(success_url or obj)
    return render(request, template, {"form": form, "object": obj, **(context or {})})


def create_object(
    request,
    form_class,
    template,
    setup,
    context=None,
    *,
    success_url=None,
    created_message="Запись создана.",
    **form_kwargs,
):
    """Create an object with `form_class`; `setup(obj)` fills МО and parents before saving."""
    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        setup(obj)

        def save():
            obj.save()
            form.save_m2m()

        audit_trail.create(request, obj, save=save)
        messages.success(request, created_message)
        return redirect(success_url or obj)
    return render(request, template, {"form": form, **(context or {})})


def delete_object(
    request,
    obj,
    *,
    success_url,
    cancel_url,
    card=None,
    blockers=(),
    deleted_message="Запись удалена.",
    after_delete=_no_hook,
):
    """Confirm, then delete `obj` unless `blockers` name what still depends on it."""
    blockers = list(blockers)
    if request.method == "POST" and not blockers:
        audit_trail.delete(request, obj)
        after_delete(obj)
        messages.success(request, deleted_message)
        return redirect(success_url)
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": obj, "card": card, "blockers": blockers, "cancel_url": cancel_url},
    )


def kdn_queryset_visible_to(queryset, user):
    """Commission and raid records: regional officers read all, КДН staff their МО."""
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
