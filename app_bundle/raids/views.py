"""Raids: date, team, visited addresses with findings and follow-up."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from regbank_app.audit_trail import Action, record
from regbank_app.crud import (
    create_object,
    delete_object,
    edit_object,
    get_visible,
    require_card_keeper,
    require_editable,
)

from .forms import RaidForm, VisitForm
from .models import Raid, RaidVisit


def _require_reader(request):
    if not (request.user.is_regional or request.user.is_municipal):
        raise PermissionDenied("Рейдовые мероприятия недоступны для вашей роли.")


def raid_list(request):
    _require_reader(request)
    raids = Raid.objects.visible_to(request.user).select_related("mo")
    open_follow_up = request.GET.get("follow_up") == "open"
    if open_follow_up:
        raids = raids.filter(visits__follow_up__gt="", visits__follow_up_done=False).distinct()
    can_create = True
    try:
        require_card_keeper(request)
    except PermissionDenied:
        can_create = False
    return render(
        request,
        "raids/raid_list.html",
        {"raids": raids[:500], "can_create": can_create, "open_follow_up": open_follow_up},
    )


def raid_create(request):
    _require_reader(request)
    mo = require_card_keeper(request)

    def setup(raid):
        raid.mo = mo

    return create_object(request, RaidForm, "raids/form.html", setup, {"title": "Новый рейд"})


def raid_detail(request, pk):
    _require_reader(request)
    raid = get_visible(request, Raid.objects.select_related("mo"), pk)
    record(request, Action.VIEW, raid)
    return render(
        request,
        "raids/raid_detail.html",
        {
            "raid": raid,
            "visits": raid.visits.select_related("family", "minor"),
            "can_edit": raid.editable_by(request.user),
        },
    )


def raid_edit(request, pk):
    raid = get_visible(request, Raid.objects.select_related("mo"), pk)
    require_editable(request, raid)
    return edit_object(request, raid, RaidForm, "raids/form.html", {"title": str(raid)})


def raid_delete(request, pk):
    raid = get_visible(request, Raid.objects.select_related("mo"), pk)
    require_editable(request, raid)
    blockers = ["в рейде есть посещённые адреса"] if raid.visits.exists() else []
    return delete_object(
        request,
        raid,
        success_url="raids:raid-list",
        cancel_url=raid.get_absolute_url(),
        blockers=blockers,
    )


def visit_create(request, pk):
    raid = get_visible(request, Raid.objects.select_related("mo"), pk)
    require_editable(request, raid)

    def setup(visit):
        visit.raid = raid
        visit.mo = raid.mo

    return create_object(
        request,
        VisitForm,
        "raids/form.html",
        setup,
        {"title": "Посещённый адрес", "raid": raid},
        success_url=raid.get_absolute_url(),
        mo=raid.mo,
    )


def _visit(request, pk):
    visit = get_visible(request, RaidVisit.objects.select_related("raid__mo", "mo"), pk)
    require_editable(request, visit.raid)
    return visit


def visit_edit(request, pk):
    visit = _visit(request, pk)
    return edit_object(
        request,
        visit,
        VisitForm,
        "raids/form.html",
        {"title": str(visit), "raid": visit.raid},
        mo=visit.mo,
    )


def visit_delete(request, pk):
    visit = _visit(request, pk)
    url = visit.raid.get_absolute_url()
    return delete_object(request, visit, success_url=url, cancel_url=url)
