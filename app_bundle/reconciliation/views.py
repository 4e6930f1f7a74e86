"""Reconciliation (сверка): results per МО over time, drawing a sample, the check list to
print and the outcome per card.

A municipal officer reconciles its own МО at the МО's home site; the regional officer
reads every МО's results; agencies have no access.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from directory.models import Municipality
from prevention.models import PlanStatus
from regbank_app import audit_trail
from regbank_app.audit_trail import Action
from regbank_app.crud import get_visible, require_card_keeper, require_editable

from . import sampling
from .forms import DrawForm, OutcomeForm
from .models import CardKinds, Outcome, Reconciliation, ReconciliationCard


def _require_reader(request):
    user = request.user
    if not (user.is_regional or (user.is_municipal and user.mo_id)):
        raise PermissionDenied("Сверка картотек недоступна для вашей роли.")


def _keeper_mo(request):
    """The МО whose cards the user may reconcile here, or None."""
    try:
        return require_card_keeper(request)
    except PermissionDenied:
        return None


def share(part, whole):
    return 100 * part / whole if whole else None


def index(request):
    """Every sample in scope with its figures: the results per МО by date."""
    _require_reader(request)
    samples = (
        Reconciliation.objects.visible_to(request.user)
        .with_figures()
        .select_related("mo", "drawn_by")
    )
    mos = []
    code = request.GET.get("mo", "")
    if request.user.is_regional:
        mos = Municipality.objects.filter(is_active=True)
        if code:
            samples = samples.filter(mo__code=code)
    rows = [(s, share(s.n_matches, s.n_checked)) for s in samples[:1000]]
    return render(
        request,
        "reconciliation/index.html",
        {"rows": rows, "mos": mos, "mo": code, "can_draw": _keeper_mo(request) is not None},
    )


def draw(request):
    """Draw a random sample of the officer's МО and open it."""
    _require_reader(request)
    mo = require_card_keeper(request)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        size, kinds = form.cleaned_data["size"], form.cleaned_data["kinds"]
        cards = sampling.draw(mo, size, kinds)
        if cards:
            sample = Reconciliation(
                mo=mo,
                drawn_on=timezone.localdate(),
                requested=size,
                kinds=kinds,
                drawn_by=request.user,
            )
            audit_trail.create(request, sample, details={"drawn": len(cards)})
            items = [
                ReconciliationCard(
                    mo=mo,
                    reconciliation=sample,
                    position=i,
                    card_number=card.number,
                    **{card.kind: card},
                )
                for i, card in enumerate(cards, 1)
            ]
            audit_trail.bulk_create(request, items, action=Action.CREATE)
            if len(cards) < size:
                messages.warning(
                    request, f"На учёте только {len(cards)} карточек такого вида: отобраны все."
                )
            else:
                messages.success(request, f"Отобрано карточек: {len(cards)}.")
            return redirect(sample)
        form.add_error(None, "В картотеке МО нет карточек такого вида, состоящих на учёте.")
    available = [
        (label, len(sampling.cards_on_record(mo, kind))) for kind, label in CardKinds.choices
    ]
    return render(
        request, "reconciliation/draw.html", {"form": form, "mo": mo, "available": available}
    )


def _sample(request, pk):
    return get_visible(request, Reconciliation.objects.select_related("mo", "drawn_by"), pk)


def _cards(sample):
    return sample.cards.select_related("family__mo", "minor__mo", "checked_by")


def detail(request, pk):
    """The sample's cards; its officer records the outcome of each in one form."""
    _require_reader(request)
    sample = _sample(request, pk)
    if request.method == "POST":
        require_editable(request, sample)
    cards = list(_cards(sample))
    can_edit = sample.editable_by(request.user)
    forms = []
    if can_edit:
        before = {card.pk: audit_trail.snapshot(card) for card in cards}
        forms = [
            OutcomeForm(request.POST or None, instance=card, prefix=f"c{card.position}")
            for card in cards
        ]
    if request.method == "POST" and all([form.is_valid() for form in forms]):
        now = timezone.now()
        changed = 0
        for form in forms:
            card = form.instance
            if not form.has_changed():
                continue
            checked = card.outcome != Outcome.PENDING
            card.checked_by = request.user if checked else None
            card.checked_at = now if checked else None
            changed += bool(audit_trail.update(request, card, before[card.pk]))
        messages.success(
            request, f"Сохранены результаты карточек: {changed}." if changed else "Изменений нет."
        )
        return redirect(sample)
    if request.method != "POST":
        audit_trail.record(request, Action.VIEW, sample)
    checked = [c for c in cards if c.outcome != Outcome.PENDING]
    matches = sum(c.outcome == Outcome.MATCHES for c in checked)
    return render(
        request,
        "reconciliation/detail.html",
        {
            "sample": sample,
            "rows": list(zip(cards, forms or [None] * len(cards), strict=True)),
            "can_edit": can_edit,
            "n_checked": len(checked),
            "n_matches": matches,
            "n_differs": len(checked) - matches,
            "share": share(matches, len(checked)),
        },
        status=400 if request.method == "POST" else 200,
    )


def _on_paper(item) -> dict:
    """What the bank holds of a card, as the check list prints it."""
    card = item.card
    if card is None:
        return {"item": item, "card": None}
    registration = card.current_registration
    plans = [p for p in card.plans.all() if p.status == PlanStatus.ACTIVE]
    return {
        "item": item,
        "card": card,
        "registration": registration,
        "plan": plans[0] if plans else None,
        "members": list(card.members.all()) if card.kind == "family" else [],
    }


def checklist(request, pk):
    """The check list to print: what the bank holds of each card, and room for the result."""
    _require_reader(request)
    sample = _sample(request, pk)
    cards = _cards(sample).prefetch_related(
        "family__members",
        "family__registrations__registration_ground",
        "family__plans",
        "minor__registrations__registration_ground",
        "minor__plans",
    )
    rows = [_on_paper(item) for item in cards]
    audit_trail.record(
        request, Action.EXPORT, sample, details={"format": "print", "cards": len(rows)}
    )
    return render(
        request,
        "reconciliation/checklist.html",
        {"sample": sample, "rows": rows, "made": timezone.localtime()},
    )
