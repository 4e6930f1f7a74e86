"""Card files: lists with search, cards, members, registration history.

Every view reads through `visible_to(user)` and writes only after `require_editable`;
every write goes through the audited write path (`regbank_app.audit_trail`, `crud`), and
every card view and search records its audit event, in the request's transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.models import AuditEvent
from regbank_app import audit_trail, site
from regbank_app.audit_trail import Action
from regbank_app.cards import card_page_parts
from regbank_app.crud import (
    delete_object,
    edit_object,
    get_visible,
    require_card_keeper,
    require_editable,
)

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
        audit_trail.record(
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
        card_id=card.pk, action__in=audit_trail.HISTORY_ACTIONS
    ).order_by("-time")
    audit_trail.record(request, Action.VIEW, card, details={"page": "history"})
    return render(request, "registry/card_history.html", {"card": card, "events": events})


def _save_new_card(request, form, reg_form, mo):
    card = form.save(commit=False)
    card.mo = mo
    card.created_by = card.updated_by = request.user
    card.assign_number()

    def save():
        card.save()
        form.save_categories(card)

    details = {"duplicate_confirmed": form.duplicate_warnings} if form.duplicate_warnings else None
    audit_trail.create(request, card, save=save, details=details)
    registration = reg_form.save(commit=False)
    registration.mo = mo
    setattr(registration, card.kind, card)
    audit_trail.create(request, registration)
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

    def save(form):
        edited = form.save(commit=False)
        edited.updated_by = request.user
        edited.save()
        form.save_categories(edited)

    return edit_object(
        request, card, form_class, template, {"card": card, "mo": card.mo}, save=save, mo=card.mo
    )


def _card_delete(request, model, pk, list_url):
    card = get_visible(request, model.objects.select_related("mo"), pk)
    require_editable(request, card)
    return delete_object(
        request,
        card,
        success_url=list_url,
        cancel_url=card.get_absolute_url(),
        card=card,
        blockers=["у карточки есть планы ИПР"] if card.plans.exists() else [],
        deleted_message=f"Карточка {card.number} удалена.",
    )


# --- families -------------------------------------------------------------------------
def family_list(request):
    return _card_list(request, Family, "registry/family_list.html")


def family_create(request):
    return _card_create(request, FamilyForm, "family", "registry/family_form.html")


def family_detail(request, pk):
    _require_card_reader(request)
    user = request.user
    family = get_visible(request, Family.objects.select_related("mo", "created_by"), pk)
    visible_minors = set(
        Minor.objects.visible_to(user).filter(family=family).values_list("pk", flat=True)
    )
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
        "plans": family.plans.visible_to(user),
        **card_page_parts(user, family),
        "can_edit": family.editable_by(user),
        "warnings": [] if user.is_agency else duplicates.warnings_for_family(family),
    }
    audit_trail.record(request, Action.VIEW, family)
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
    context = {
        "card": minor,
        "family_visible": bool(
            minor.family_id and Family.objects.visible_to(user).filter(pk=minor.family_id).exists()
        ),
        "registrations": minor.registrations.select_related(
            "registration_ground", "deregistration_ground"
        ),
        "categories": minor.categories.all(),
        "plans": minor.plans.visible_to(user),
        **card_page_parts(user, minor),
        "can_edit": minor.editable_by(user),
        "warnings": [] if user.is_agency else duplicates.warnings_for_minor(minor),
    }
    audit_trail.record(request, Action.VIEW, minor)
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
        audit_trail.create(request, member)
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


def _member(request, pk):
    member = get_visible(request, FamilyMember.objects.select_related("family__mo"), pk)
    require_editable(request, member.family)
    return member


def member_edit(request, pk):
    member = _member(request, pk)
    family = member.family
    return edit_object(
        request,
        member,
        FamilyMemberForm,
        "registry/member_form.html",
        {"card": family, "title": f"Член семьи: {member.full_name}"},
        success_url=family,
        unchanged_message="Изменения сохранены.",
    )


def member_delete(request, pk):
    member = _member(request, pk)
    family = member.family
    return delete_object(
        request,
        member,
        success_url=family,
        cancel_url=family.get_absolute_url(),
        card=family,
        deleted_message="Член семьи удалён из карточки.",
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
        audit_trail.create(request, registration)
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


def _registration_edit(request, pk, form_class, title, saved_message, *, refresh_card=False):
    registration, card = _registration(request, pk)

    def save(form):
        form.save()
        if refresh_card:
            card.refresh_status()

    return edit_object(
        request,
        registration,
        form_class,
        "registry/registration_form.html",
        {"card": card, "title": title},
        success_url=card,
        saved_message=saved_message,
        unchanged_message=saved_message,
        save=save,
        kind=card.kind,
    )


def registration_edit(request, pk):
    return _registration_edit(
        request,
        pk,
        RegistrationForm,
        "Сведения о постановке на учёт",
        "Сведения о постановке на учёт исправлены.",
    )


def registration_deregister(request, pk):
    return _registration_edit(
        request,
        pk,
        DeregistrationForm,
        "Снятие с учёта",
        "Карточка снята с учёта.",
        refresh_card=True,
    )


def registration_delete(request, pk):
    registration, card = _registration(request, pk)
    return delete_object(
        request,
        registration,
        success_url=card,
        cancel_url=card.get_absolute_url(),
        card=card,
        deleted_message="Запись о постановке на учёт удалена.",
        after_delete=lambda _registration: card.refresh_status(),
    )
