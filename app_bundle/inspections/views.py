"""Inspection visits of the regional officer: the list, each visit with its
recommendations, and their follow-up. Regional officer only; written at the regional
server (the rows replicate down, read-only at a municipal site)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render

from regbank_app import site
from regbank_app.audit_trail import Action, record
from regbank_app.crud import create_object, delete_object, edit_object, get_visible

from .forms import FilterForm, InspectionEditForm, InspectionForm, RecommendationForm
from .models import Inspection, Recommendation


def _require_regional(request):
    if not request.user.is_regional:
        raise PermissionDenied("Выездные проверки ведёт региональный специалист.")


def _require_writer(request):
    _require_regional(request)
    if not site.masters_reference_data():
        raise PermissionDenied(
            "Выездные проверки записываются на региональном сервере; здесь они доступны "
            "только для чтения."
        )


def index(request):
    _require_regional(request)
    today = datetime.date.today()
    visits = (
        Inspection.objects.visible_to(request.user)
        .select_related("mo")
        # Django drops Meta.ordering from GROUP BY queries: restate it
        .order_by(*Inspection._meta.ordering)
        .annotate(
            n_recommendations=Count("recommendations"),
            n_open=Count("recommendations", filter=Q(recommendations__done_on__isnull=True)),
            n_overdue=Count(
                "recommendations",
                filter=Q(
                    recommendations__done_on__isnull=True, recommendations__due_date__lt=today
                ),
            ),
        )
    )
    form = FilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["mo"]:
            visits = visits.filter(mo=form.cleaned_data["mo"])
        if form.cleaned_data["open_only"]:
            visits = visits.filter(n_open__gt=0)
    return render(
        request,
        "inspections/index.html",
        {"visits": visits[:500], "form": form, "can_write": site.masters_reference_data()},
    )


def create(request):
    _require_writer(request)
    return create_object(
        request,
        InspectionForm,
        "inspections/form.html",
        lambda visit: None,
        {"title": "Новая выездная проверка"},
        created_message="Проверка записана. Добавьте рекомендации со сроками исполнения.",
    )


def _visit(request, pk):
    _require_regional(request)
    return get_visible(request, Inspection.objects.select_related("mo"), pk)


def detail(request, pk):
    visit = _visit(request, pk)
    record(request, Action.VIEW, visit)
    return render(
        request,
        "inspections/detail.html",
        {
            "visit": visit,
            "recommendations": visit.recommendations.all(),
            "can_write": site.masters_reference_data(),
        },
    )


def edit(request, pk):
    visit = _visit(request, pk)
    _require_writer(request)
    return edit_object(
        request, visit, InspectionEditForm, "inspections/form.html", {"title": str(visit)}
    )


def delete(request, pk):
    visit = _visit(request, pk)
    _require_writer(request)
    blockers = ["у проверки есть рекомендации"] if visit.recommendations.exists() else []
    return delete_object(
        request,
        visit,
        success_url="inspections:index",
        cancel_url=visit.get_absolute_url(),
        blockers=blockers,
    )


def recommendation_create(request, pk):
    visit = _visit(request, pk)
    _require_writer(request)

    def setup(recommendation):
        recommendation.inspection = visit
        recommendation.mo = visit.mo

    return create_object(
        request,
        RecommendationForm,
        "inspections/form.html",
        setup,
        {"title": "Новая рекомендация", "visit": visit},
        success_url=visit.get_absolute_url(),
    )


def _recommendation(request, pk):
    _require_regional(request)
    recommendation = get_visible(
        request, Recommendation.objects.select_related("inspection__mo", "mo"), pk
    )
    _require_writer(request)
    return recommendation


def recommendation_edit(request, pk):
    recommendation = _recommendation(request, pk)
    return edit_object(
        request,
        recommendation,
        RecommendationForm,
        "inspections/form.html",
        {"title": "Рекомендация", "visit": recommendation.inspection},
    )


def recommendation_delete(request, pk):
    recommendation = _recommendation(request, pk)
    url = recommendation.get_absolute_url()
    return delete_object(request, recommendation, success_url=url, cancel_url=url)
