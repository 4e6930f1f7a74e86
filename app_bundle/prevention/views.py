"""ИПР: plans per card, measures assigned to agencies, execution reports, overdue control."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render

from regbank_app import audit_trail
from regbank_app.audit_trail import Action
from regbank_app.crud import delete_object, edit_object, get_visible, require_editable
from registry.models import Family, Minor

from .forms import MeasureForm, PlanForm, ReportForm
from .models import Measure, MeasureStatus, Plan, PlanStatus


def _require_reader(request):
    if not request.user.sees_cards:
        raise PermissionDenied("ИПР недоступна для вашей роли.")


def plan_list(request):
    _require_reader(request)
    plans = Plan.objects.visible_to(request.user).select_related("mo", "family", "minor")
    status = request.GET.get("status", PlanStatus.ACTIVE)
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    return render(
        request,
        "prevention/plan_list.html",
        {"plans": plans[:500], "status": status, "statuses": PlanStatus.choices},
    )


def plan_create(request):
    _require_reader(request)
    if request.GET.get("family"):
        card = get_visible(request, Family.objects.select_related("mo"), request.GET["family"])
    elif request.GET.get("minor"):
        card = get_visible(request, Minor.objects.select_related("mo"), request.GET["minor"])
    else:
        raise PermissionDenied("План ИПР создаётся из карточки семьи или несовершеннолетнего.")
    require_editable(request, card)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = form.save(commit=False)
        plan.mo = card.mo
        setattr(plan, card.kind, card)
        plan.created_by = request.user
        audit_trail.create(request, plan)
        messages.success(request, "План ИПР создан. Добавьте мероприятия.")
        return redirect(plan)
    return render(request, "prevention/plan_form.html", {"form": form, "card": card})


def plan_detail(request, pk):
    _require_reader(request)
    plan = get_visible(request, Plan.objects.select_related("mo", "family", "minor"), pk)
    measures = plan.measures.select_related("agency").prefetch_related("reports__author")
    user = request.user
    context = {
        "plan": plan,
        "card": plan.card,
        "card_visible": type(plan.card).objects.visible_to(user).filter(pk=plan.card.pk).exists(),
        "measures": measures,
        "can_edit": plan.editable_by(user),
        "reportable": {m.pk for m in measures if m.reportable_by(user)},
        "today": datetime.date.today(),
    }
    audit_trail.record(request, Action.VIEW, plan)
    return render(request, "prevention/plan_detail.html", context)


def plan_edit(request, pk):
    plan = get_visible(request, Plan.objects.select_related("mo"), pk)
    require_editable(request, plan)
    return edit_object(
        request,
        plan,
        PlanForm,
        "prevention/plan_form.html",
        {"card": plan.card, "plan": plan},
        saved_message="План ИПР сохранён.",
        unchanged_message="План ИПР сохранён.",
    )


def plan_delete(request, pk):
    plan = get_visible(request, Plan.objects.select_related("mo", "family", "minor"), pk)
    require_editable(request, plan)
    card = plan.card
    blockers = (
        ["по мероприятиям есть отчёты об исполнении"]
        if Measure.objects.filter(plan=plan, reports__isnull=False).exists()
        else []
    )
    return delete_object(
        request,
        plan,
        success_url=card,
        cancel_url=plan.get_absolute_url(),
        card=card,
        blockers=blockers,
        deleted_message="План ИПР удалён.",
    )


def measure_create(request, pk):
    plan = get_visible(request, Plan.objects.select_related("mo"), pk)
    require_editable(request, plan)
    form = MeasureForm(request.POST or None, mo=plan.mo)
    if request.method == "POST" and form.is_valid():
        measure = form.save(commit=False)
        measure.plan = plan
        measure.mo = plan.mo
        audit_trail.create(request, measure)
        messages.success(request, "Мероприятие добавлено.")
        return redirect(plan)
    return render(
        request,
        "prevention/measure_form.html",
        {"form": form, "plan": plan, "title": "Новое мероприятие"},
    )


def _measure(request, pk):
    return get_visible(request, Measure.objects.select_related("mo", "plan__mo", "agency"), pk)


def measure_edit(request, pk):
    measure = _measure(request, pk)
    plan = measure.plan
    require_editable(request, plan)
    return edit_object(
        request,
        measure,
        MeasureForm,
        "prevention/measure_form.html",
        {"plan": plan, "title": "Мероприятие"},
        success_url=plan,
        saved_message="Мероприятие сохранено.",
        unchanged_message="Мероприятие сохранено.",
        mo=plan.mo,
    )


def measure_delete(request, pk):
    measure = _measure(request, pk)
    plan = measure.plan
    require_editable(request, plan)
    return delete_object(
        request,
        measure,
        success_url=plan,
        cancel_url=plan.get_absolute_url(),
        card=plan.card,
        blockers=["по мероприятию есть отчёты об исполнении"] if measure.reports.exists() else [],
        deleted_message="Мероприятие удалено.",
    )


def measure_report(request, pk):
    measure = _measure(request, pk)
    require_editable(request, measure, check=measure.reportable_by)
    form = ReportForm(request.POST or None, initial={"reported_on": datetime.date.today()})
    if request.method == "POST" and form.is_valid():
        report = form.save(commit=False)
        report.measure = measure
        report.mo = measure.mo
        report.author = request.user
        report.agency = request.user.agency if request.user.agency_id else measure.agency
        audit_trail.create(request, report)
        before = audit_trail.snapshot(measure)
        measure.status = MeasureStatus.DONE if report.is_done else MeasureStatus.NOT_DONE
        measure.completed_on = report.reported_on if report.is_done else None
        audit_trail.update(request, measure, before)
        messages.success(request, "Отчёт об исполнении сохранён.")
        return redirect(measure.plan)
    return render(request, "prevention/report_form.html", {"form": form, "measure": measure})


def my_measures(request):
    """The agency's work list: open measures assigned to it."""
    _require_reader(request)
    user = request.user
    measures = Measure.objects.visible_to(user).select_related(
        "plan__family", "plan__minor", "agency", "mo"
    )
    if user.is_agency:
        measures = measures.filter(agency_id=user.agency_id)
    show = request.GET.get("show", "open")
    if show == "open":
        measures = measures.filter(status=MeasureStatus.PLANNED)
    return render(
        request,
        "prevention/measure_list.html",
        {
            "measures": measures.order_by("due_date")[:500],
            "show": show,
            "today": datetime.date.today(),
        },
    )


def overdue(request):
    """Overdue measures: counts per МО and per agency, and the list."""
    _require_reader(request)
    measures = Measure.objects.visible_to(request.user).overdue()
    if request.user.is_agency:
        measures = measures.filter(agency_id=request.user.agency_id)
    by_mo = measures.values("mo__name").annotate(n=Count("id")).order_by("-n", "mo__name")
    by_agency = (
        measures.values("agency__name", "agency__mo__name")
        .annotate(n=Count("id"))
        .order_by("-n", "agency__name")
    )
    return render(
        request,
        "prevention/overdue.html",
        {
            "by_mo": by_mo,
            "by_agency": by_agency,
            "measures": measures.select_related(
                "agency", "plan__family", "plan__minor", "mo"
            ).order_by("due_date")[:500],
            "today": datetime.date.today(),
        },
    )
