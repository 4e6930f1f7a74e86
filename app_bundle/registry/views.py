"""Card files: lists with search, cards, members, registration history.

Every view reads through `visible_to(user)` and writes only after `require_editable`;
every view, create, update and delete writes an audit event in the request's transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from audit import services as audit
from audit.models import Action, AuditEvent
from regbank_app import site
from regbank_app.crud import get_visible, require_card_keeper, require_editable

from . import duplicates
from .forms import (
    DeregistrationForm,
    FamilyForm,
    FamilyMemberForm,
    MinorForm,
    RegistrationForm,
    SearchForm,
)
from .models import CardStatus, Family, FamilyMember, Minor, Registration

PAGE_SIZE = 50


def _require_card_reader(request):
    if not request.user.sees_cards:
        raise PermissionDenied("Картотеки недоступны для вашей роли.")


def _can_create(user) -> bool:
    return user.is_municipal and user.mo_id is not None and site.is_home_of(user.mo)


def _card_list(request, model, template):
    _require_card_reader(request)
    user = request.user
    form = SearchForm(request.GET or None, user=user, status_choices=CardStatus.choices)
    filters = form.filters()
    cards = model.objects.visible_to(user).select_related("mo")
    cards = cards.search(
        name=filters.get("name", ""),
        birth_date=filters.get("birth_date"),
        address=filters.get("address", ""),
    )
    if filters.get("mo"):
        cards = cards.filter(mo__code=filters["mo"])
    if filters.get("status"):
        cards = cards.filter(status=filters["status"])
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    if filters:
        audit.record(
            request,
            Action.SEARCH,
            details={
                "object_type": model._meta.label_lower,
                "filters": {k: str(v) for k, v in filters.items()},
                "found": page.paginator.count,
            },
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query.urlencode(), "can_create": _can_create(user)},
    )


def _card_history(request, model, pk):
    _require_card_reader(request)
    card = get_visible(request, model.objects.select_related("mo"), pk)
    events = AuditEvent.objects.filter(
        card_id=card.pk, action__in=[Action.CREATE, Action.UPDATE, Action.DELETE]
    ).order_by("-time")
    audit.record(request, Action.VIEW, card, details={"page": "history"})
    return render(request, "registry/card_history.html", {"card": card, "events": events})


def _save_new_card(request, form, reg_form, mo):
    card = form.save(commit=False)
    card.mo = mo
    card.created_by = card.updated_by = request.user
    card.assign_number()
    card.save()
    form.save_categories(card)
    details = {"duplicate_confirmed": form.duplicate_warnings} if form.duplicate_warnings else None
    audit.record(request, Action.CREATE, card, changes=audit.created(card), details=details)
    registration = reg_form.save(commit=False)
    registration.mo = mo
    setattr(registration, card.kind, card)
    registration.save()
    audit.record(request, Action.CREATE, registration, changes=audit.created(registration))
    card.refresh_status()
    return card


def _card_create(request, form_class, kind, template, initial=None):
    mo = require_card_keeper(request)
    form = form_class(request.POST or None, mo=mo, initial=initial)
    reg_form = RegistrationForm(request.POST or None, kind=kind, prefix="reg")
    if request.method == "POST" and form.is_valid() and reg_form.is_valid():
        card = _save_new_card(request, form, reg_form, mo)
        messages.success(request, f"Карточка {card.number} создана, поставлена на учёт.")
        return redirect(card)
    return render(request, template, {"form": form, "reg_form": reg_form, "mo": mo})


def _card_edit(request, model, form_class, template, pk):
    card = get_visible(request, model.objects.select_related("mo"), pk)
    require_editable(request, card)
    before = audit.snapshot(card)
    form = form_class(request.POST or None, instance=card, mo=card.mo)
    if request.method == "POST" and form.is_valid():
        card = form.save(commit=False)
        card.updated_by = request.user
        card.save()
        form.save_categories(card)
        changes = audit.diff(before, audit.snapshot(card))
        if changes:
            audit.record(request, Action.UPDATE, card, changes=changes)
        messages.success(request, "Изменения сохранены." if changes else "Изменений нет.")
        return redirect(card)
    return render(request, template, {"form": form, "card": card, "mo": card.mo})


def _card_delete(request, model, pk, list_url):
    card = get_visible(request, model.objects.select_related("mo"), pk)
    require_editable(request, card)
    blockers = []
    if card.plans.exists():
        blockers.append("у карточки есть планы ИПР")
    if request.method == "POST" and not blockers:
        changes = audit.deleted(card)
        audit.record(request, Action.DELETE, card, changes=changes)
        number = card.number
        card.delete()
        messages.success(request, f"Карточка {number} удалена.")
        return redirect(list_url)
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": card, "card": card, "blockers": blockers, "cancel_url": card.get_absolute_url()},
    )


# --- families -------------------------------------------------------------------------
def family_list(request):
    return _card_list(request, Family, "registry/family_list.html")


def family_create(request):
    return _card_create(request, FamilyForm, "family", "registry/family_form.html")


def _resolutions(user, **card):
    from commission.models import Resolution

    return Resolution.objects.visible_to(user).filter(**card).select_related("meeting")


def family_detail(request, pk):
    _require_card_reader(request)
    user = request.user
    family = get_visible(request, Family.objects.select_related("mo", "created_by"), pk)
    visible_minors = set(
        Minor.objects.visible_to(user).filter(family=family).values_list("pk", flat=True)
    )
    from prevention.models import Plan

    context = {
        "card": family,
        "members": family.members.all(),
        "minors": family.minors.all(),
        "visible_minors": visible_minors,
        "registrations": family.registrations.select_related(
            "registration_ground", "deregistration_ground"
        ),
        "categories": family.categories.all(),
        "features": [
            label
            for flag, label in (
                (family.is_large, "многодетная"),
                (family.is_single_parent, "неполная"),
                (family.is_low_income, "малоимущая"),
            )
            if flag
        ],
        "plans": Plan.objects.visible_to(user).filter(family=family),
        "resolutions": _resolutions(user, family=family),
        "can_edit": family.editable_by(user),
        "warnings": [] if user.is_agency else duplicates.warnings_for_family(family),
    }
    audit.record(request, Action.VIEW, family)
    return render(request, "registry/family_detail.html", context)


def family_edit(request, pk):
    return _card_edit(request, Family, FamilyForm, "registry/family_form.html", pk)


def family_delete(request, pk):
    return _card_delete(request, Family, pk, reverse("registry:family-list"))


def family_history(request, pk):
    return _card_history(request, Family, pk)


# --- minors ---------------------------------------------------------------------------
def minor_list(request):
    return _card_list(request, Minor, "registry/minor_list.html")


def minor_create(request):
    initial = {}
    family_id = request.GET.get("family")
    if family_id:
        family = get_visible(request, Family.objects.all(), family_id)
        initial = {
            "family": family.pk,
            "address_registration": family.address_registration,
            "address_actual": family.address_actual,
        }
    return _card_create(request, MinorForm, "minor", "registry/minor_form.html", initial)


def minor_detail(request, pk):
    _require_card_reader(request)
    user = request.user
    minor = get_visible(request, Minor.objects.select_related("mo", "family", "created_by"), pk)
    from prevention.models import Plan

    context = {
        "card": minor,
        "family_visible": bool(
            minor.family_id and Family.objects.visible_to(user).filter(pk=minor.family_id).exists()
        ),
        "registrations": minor.registrations.select_related(
            "registration_ground", "deregistration_ground"
        ),
        "categories": minor.categories.all(),
        "plans": Plan.objects.visible_to(user).filter(minor=minor),
        "resolutions": _resolutions(user, minor=minor),
        "can_edit": minor.editable_by(user),
        "warnings": [] if user.is_agency else duplicates.warnings_for_minor(minor),
    }
    audit.record(request, Action.VIEW, minor)
    return render(request, "registry/minor_detail.html", context)


def minor_edit(request, pk):
    return _card_edit(request, Minor, MinorForm, "registry/minor_form.html", pk)


def minor_delete(request, pk):
    return _card_delete(request, Minor, pk, reverse("registry:minor-list"))


def minor_history(request, pk):
    return _card_history(request, Minor, pk)


# --- family members -------------------------------------------------------------------
def member_create(request, family_pk):
    family = get_visible(request, Family.objects.select_related("mo"), family_pk)
    require_editable(request, family)
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = form.save(commit=False)
        member.family = family
        member.mo = family.mo
        member.save()
        audit.record(request, Action.CREATE, member, changes=audit.created(member))
        where = duplicates.person_elsewhere(
            member.last_name, member.first_name, member.birth_date, family.mo_id
        )
        if where:
            messages.warning(
                request,
                f"{member.full_name} состоит на учёте в {', '.join(where)}: "
                "согласуйте с КДН и ЗП этого МО.",
            )
        messages.success(request, "Член семьи добавлен.")
        return redirect(family)
    return render(
        request,
        "registry/member_form.html",
        {"form": form, "card": family, "title": "Новый член семьи"},
    )


def member_edit(request, pk):
    member = get_visible(request, FamilyMember.objects.select_related("family__mo"), pk)
    family = member.family
    require_editable(request, family)
    before = audit.snapshot(member)
    form = FamilyMemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        member = form.save()
        changes = audit.diff(before, audit.snapshot(member))
        if changes:
            audit.record(request, Action.UPDATE, member, changes=changes)
        messages.success(request, "Изменения сохранены.")
        return redirect(family)
    return render(
        request,
        "registry/member_form.html",
        {"form": form, "card": family, "title": f"Член семьи: {member.full_name}"},
    )


def member_delete(request, pk):
    member = get_visible(request, FamilyMember.objects.select_related("family__mo"), pk)
    family = member.family
    require_editable(request, family)
    if request.method == "POST":
        audit.record(request, Action.DELETE, member, changes=audit.deleted(member))
        member.delete()
        messages.success(request, "Член семьи удалён из карточки.")
        return redirect(family)
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": member, "card": family, "cancel_url": family.get_absolute_url()},
    )


# --- registration and deregistration --------------------------------------------------
def _card_for_registration(request, kind, pk):
    model = Family if kind == "family" else Minor
    card = get_visible(request, model.objects.select_related("mo"), pk)
    require_editable(request, card)
    return card


def card_register(request, kind, pk):
    card = _card_for_registration(request, kind, pk)
    if card.current_registration is not None:
        messages.warning(request, "Карточка уже состоит на учёте.")
        return redirect(card)
    form = RegistrationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        registration = form.save(commit=False)
        registration.mo = card.mo
        setattr(registration, kind, card)
        registration.save()
        audit.record(request, Action.CREATE, registration, changes=audit.created(registration))
        card.refresh_status()
        messages.success(request, "Карточка поставлена на учёт.")
        return redirect(card)
    return render(
        request,
        "registry/registration_form.html",
        {"form": form, "card": card, "title": "Постановка на учёт"},
    )


def _registration(request, pk):
    registration = get_visible(
        request, Registration.objects.select_related("family__mo", "minor__mo", "mo"), pk
    )
    card = registration.card
    require_editable(request, card)
    return registration, card


def registration_edit(request, pk):
    registration, card = _registration(request, pk)
    before = audit.snapshot(registration)
    form = RegistrationForm(request.POST or None, instance=registration, kind=card.kind)
    if request.method == "POST" and form.is_valid():
        registration = form.save()
        changes = audit.diff(before, audit.snapshot(registration))
        if changes:
            audit.record(request, Action.UPDATE, registration, changes=changes)
        messages.success(request, "Сведения о постановке на учёт исправлены.")
        return redirect(card)
    return render(
        request,
        "registry/registration_form.html",
        {"form": form, "card": card, "title": "Сведения о постановке на учёт"},
    )


def registration_deregister(request, pk):
    registration, card = _registration(request, pk)
    before = audit.snapshot(registration)
    form = DeregistrationForm(request.POST or None, instance=registration, kind=card.kind)
    if request.method == "POST" and form.is_valid():
        registration = form.save()
        changes = audit.diff(before, audit.snapshot(registration))
        if changes:
            audit.record(request, Action.UPDATE, registration, changes=changes)
        card.refresh_status()
        messages.success(request, "Карточка снята с учёта.")
        return redirect(card)
    return render(
        request,
        "registry/registration_form.html",
        {"form": form, "card": card, "title": "Снятие с учёта"},
    )


def registration_delete(request, pk):
    registration, card = _registration(request, pk)
    if request.method == "POST":
        audit.record(request, Action.DELETE, registration, changes=audit.deleted(registration))
        registration.delete()
        card.refresh_status()
        messages.success(request, "Запись о постановке на учёт удалена.")
        return redirect(card)
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": registration, "card": card, "cancel_url": card.get_absolute_url()},
    )
