from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from regbank_app import audit_trail, site
from regbank_app.audit_trail import Action
from regbank_app.crud import edit_object, get_visible

from .forms import NewUserForm, ResetPasswordForm, UserForm
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def password_change(request):
    user = request.user
    if not site.masters_reference_data():
        return render(request, "accounts/password_regional_only.html", status=200)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.mark_password_changed()
        user.save()
        update_session_auth_hash(request, user)
        audit_trail.record(request, Action.PASSWORD_CHANGE, user, user=user)
        messages.success(request, "Пароль изменён.")
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


def municipal_server(request):
    """Where an officer of an МО with its own server works (MunicipalServerMiddleware)."""
    url = site.municipal_server_for(request.user)
    if url is None:
        return redirect("home")
    return render(request, "accounts/municipal_server.html", {"url": url})


def _require_user_pages(request):
    if not (request.user.is_regional or request.user.is_municipal):
        raise PermissionDenied


def _require_manager(request, other=None):
    if not site.masters_reference_data():
        raise PermissionDenied("Учётные записи ведутся на региональном сервере.")
    if not request.user.manages_users:
        raise PermissionDenied
    if other is not None and not request.user.can_manage(other):
        raise PermissionDenied


def user_list(request):
    _require_user_pages(request)
    users = User.objects.visible_to(request.user).select_related("mo", "agency")
    mo = request.GET.get("mo")
    if mo and request.user.is_regional:
        users = users.filter(mo__code=mo)
    return render(
        request,
        "accounts/user_list.html",
        {
            "users": users,
            "can_create": request.user.manages_users and site.masters_reference_data(),
        },
    )


def user_detail(request, pk):
    _require_user_pages(request)
    other = get_visible(request, User.objects.select_related("mo"), pk)
    audit_trail.record(request, Action.VIEW, other)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "other": other,
            "can_edit": site.masters_reference_data() and request.user.can_manage(other),
            "read_only_here": not site.masters_reference_data(),
        },
    )


def user_create(request):
    _require_manager(request)
    form = NewUserForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        other = audit_trail.create(request, form.instance, save=form.save)
        messages.success(request, f"Учётная запись {other.username} создана.")
        return redirect("accounts:user-detail", pk=other.pk)
    return render(request, "accounts/user_form.html", {"form": form, "title": "Новый пользователь"})


def user_edit(request, pk):
    other = get_visible(request, User.objects.all(), pk)
    _require_manager(request, other)
    return edit_object(
        request,
        other,
        UserForm,
        "accounts/user_form.html",
        {"title": f"Изменение учётной записи {other.username}", "other": other},
        success_url=reverse("accounts:user-detail", args=[other.pk]),
        unchanged_message="Изменения сохранены.",
        manager=request.user,
    )


def user_reset_password(request, pk):
    other = get_visible(request, User.objects.all(), pk)
    _require_manager(request, other)
    form = ResetPasswordForm(request.POST or None, user=other)
    if request.method == "POST" and form.is_valid():
        before = audit_trail.snapshot(other)
        other.set_password(form.cleaned_data["password1"])
        other.must_change_password = True
        audit_trail.update(
            request,
            other,
            before,
            unseen={"password": {"label": "пароль", "old": None, "new": "задан временный"}},
        )
        messages.success(request, "Временный пароль задан; пользователь сменит его при входе.")
        return redirect("accounts:user-detail", pk=other.pk)
    return render(request, "accounts/user_password.html", {"form": form, "other": other})
