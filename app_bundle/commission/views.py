"""Commission meetings: agenda items and resolutions linked to cards and plans."""

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

from .forms import AgendaItemForm, MeetingForm, ResolutionForm
from .models import AgendaItem, Meeting, Resolution


def _require_reader(request):
    if not (request.user.is_regional or request.user.is_municipal):
        raise PermissionDenied("Заседания комиссии недоступны для вашей роли.")


def meeting_list(request):
    _require_reader(request)
    meetings = Meeting.objects.visible_to(request.user).select_related("mo")[:500]
    user = request.user
    return render(
        request,
        "commission/meeting_list.html",
        {"meetings": meetings, "can_create": user.is_municipal and _can_keep(request)},
    )


def _can_keep(request):
    try:
        require_card_keeper(request)
    except PermissionDenied:
        return False
    return True


def meeting_create(request):
    _require_reader(request)
    mo = require_card_keeper(request)

    def setup(meeting):
        meeting.mo = mo

    return create_object(
        request, MeetingForm, "commission/form.html", setup, {"title": "Новое заседание"}
    )


def meeting_detail(request, pk):
    _require_reader(request)
    meeting = get_visible(request, Meeting.objects.select_related("mo"), pk)
    record(request, Action.VIEW, meeting)
    return render(
        request,
        "commission/meeting_detail.html",
        {
            "meeting": meeting,
            "items": meeting.items.select_related("family", "minor", "plan"),
            "resolutions": meeting.resolutions.select_related("family", "minor", "plan"),
            "can_edit": meeting.editable_by(request.user),
        },
    )


def meeting_edit(request, pk):
    meeting = get_visible(request, Meeting.objects.select_related("mo"), pk)
    require_editable(request, meeting)
    return edit_object(
        request, meeting, MeetingForm, "commission/form.html", {"title": str(meeting)}
    )


def meeting_delete(request, pk):
    meeting = get_visible(request, Meeting.objects.select_related("mo"), pk)
    require_editable(request, meeting)
    blockers = ["на заседании приняты постановления"] if meeting.resolutions.exists() else []
    return delete_object(
        request,
        meeting,
        success_url="commission:meeting-list",
        cancel_url=meeting.get_absolute_url(),
        blockers=blockers,
    )


def _child_create(request, pk, form_class, title):
    meeting = get_visible(request, Meeting.objects.select_related("mo"), pk)
    require_editable(request, meeting)

    def setup(obj):
        obj.meeting = meeting
        obj.mo = meeting.mo

    initial = {"date": meeting.date} if form_class is ResolutionForm else {}
    return create_object(
        request,
        form_class,
        "commission/form.html",
        setup,
        {"title": title, "meeting": meeting},
        success_url=meeting.get_absolute_url(),
        mo=meeting.mo,
        initial=initial,
    )


def item_create(request, pk):
    return _child_create(request, pk, AgendaItemForm, "Новый вопрос повестки")


def resolution_create(request, pk):
    return _child_create(request, pk, ResolutionForm, "Новое постановление")


def _child(request, model, pk):
    obj = get_visible(request, model.objects.select_related("meeting__mo", "mo"), pk)
    require_editable(request, obj.meeting)
    return obj


def item_edit(request, pk):
    item = _child(request, AgendaItem, pk)
    return edit_object(
        request,
        item,
        AgendaItemForm,
        "commission/form.html",
        {"title": str(item), "meeting": item.meeting},
        mo=item.mo,
    )


def item_delete(request, pk):
    item = _child(request, AgendaItem, pk)
    url = item.meeting.get_absolute_url()
    return delete_object(request, item, success_url=url, cancel_url=url)


def resolution_edit(request, pk):
    resolution = _child(request, Resolution, pk)
    return edit_object(
        request,
        resolution,
        ResolutionForm,
        "commission/form.html",
        {"title": str(resolution), "meeting": resolution.meeting},
        mo=resolution.mo,
    )


def resolution_delete(request, pk):
    resolution = _child(request, Resolution, pk)
    url = resolution.meeting.get_absolute_url()
    return delete_object(request, resolution, success_url=url, cancel_url=url)
