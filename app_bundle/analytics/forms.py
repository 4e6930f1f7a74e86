"""The filter of every analytics view, and what a viewer may choose in it.

A regional officer chooses any set of МО, any agency and any user. A municipal officer
has no МО choice (rows: own МО, against the regional average), chooses among the own
МО's agencies, and finds users of the own МО only.
"""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.db.models import Q
from django.http import QueryDict

from accounts.models import User
from directory.models import Agency, Municipality
from regbank_app.audit_trail import ENTRY_ACTIONS, Action
from regbank_app.forms import DateInput

from . import formats, queries
from .reports import Selection

ENTRY = "entry"
NON_ENTRY = "non_entry"
AGENCY_KINDS = [("", "все"), ("kdn", "КДН и ЗП"), ("other", "другие субъекты профилактики")]
MEASURES = [("entry", "ввод данных"), ("all", "все действия")]
MAX_YEARS = 10
# the dates a period may take: the bank's data begin after 2000; month arithmetic on
# the last days of year 9999 overflows
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The latest whole year with events (the analytics are yearly), else this year so far."""
    today = today or datetime.date.today()
    past = [y for y in queries.data_years() if y < today.year]
    if past:
        return datetime.date(past[-1], 1, 1), datetime.date(past[-1], 12, 31)
    return datetime.date(today.year, 1, 1), today


def _uuids(values) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


class AnalyticsForm(forms.Form):
    date_from = forms.DateField(label="Период с", widget=DateInput())
    date_to = forms.DateField(label="по", widget=DateInput())
    mo = forms.ModelMultipleChoiceField(
        label="МО",
        queryset=Municipality.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ни одного не отмечено — все МО.",
    )
    agency_kind = forms.ChoiceField(label="Субъекты", choices=AGENCY_KINDS, required=False)
    agency = forms.ModelChoiceField(
        label="Субъект профилактики",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="все",
    )
    user = forms.CharField(label="Пользователь (имя входа или ФИО)", required=False, max_length=150)
    action = forms.ChoiceField(label="Действия", required=False)
    # view 5
    measure = forms.ChoiceField(label="Считать", choices=MEASURES, required=False)
    high = forms.DecimalField(
        label="Значительно выше среднего от, %",
        min_value=1,
        max_value=1000,
        decimal_places=1,
        required=False,
    )
    above = forms.DecimalField(
        label="Выше среднего от, %", min_value=1, max_value=1000, decimal_places=1, required=False
    )
    low = forms.DecimalField(
        label="Средний уровень от, %",
        min_value=1,
        max_value=1000,
        decimal_places=1,
        required=False,
        help_text="Ниже — отстающие.",
    )

    VIEW_FIELDS = {"per-unit": ("measure", "high", "above", "low")}

    def __init__(self, data=None, *, viewer, view: str, today=None):
        self.viewer = viewer
        self.view = view
        start, end = default_period(today)
        defaults = {
            "date_from": (datetime.date(start.year - 2, 1, 1) if view == "yearly" else start),
            "date_to": end,
            "measure": "entry",
            "high": 150,
            "above": 110,
            "low": 90,
        }
        merged = data.copy() if data is not None else None
        if merged is not None:
            for key, value in defaults.items():
                if not merged.get(key):
                    merged[key] = value
        else:
            merged = QueryDict(mutable=True)
            for key, value in defaults.items():
                merged[key] = value
        super().__init__(merged)
        self.fields["action"].choices = [
            ("", "все"),
            (ENTRY, "ввод данных (создание, изменение, удаление)"),
            (NON_ENTRY, "прочие (вход, выход, просмотр, поиск, выгрузка)"),
            *Action.choices,
        ]
        # agencies of the own МО, or of the МО ticked (all МО: hundreds of agencies, no list)
        agencies = Agency.objects.select_related("mo").filter(mo__isnull=False)
        if self.own_only:
            agencies = agencies.filter(mo_id=viewer.mo_id)
        else:
            ticked = _uuids(merged.getlist("mo"))
            if view == "users":
                agencies = agencies.filter(mo__code=merged.get("mo_code", ""))
            elif ticked:
                agencies = agencies.filter(mo_id__in=ticked)
            else:
                agencies = agencies.none()
                self.fields["agency"].help_text = "Отметьте МО, чтобы выбрать его субъект."
        if self.own_only or view == "users":
            del self.fields["mo"]
        self.fields["agency"].queryset = agencies
        self.fields["agency"].label_from_instance = lambda a: (
            f"{a.mo.name}: {a.short_name or a.name}"
        )
        for name in ("measure", "high", "above", "low"):
            if name not in self.VIEW_FIELDS.get(view, ()):
                del self.fields[name]
        self.matched_users: list[User] = []

    @property
    def own_only(self) -> bool:
        return not self.viewer.is_regional

    @property
    def main_fields(self):
        return [f for f in self if f.name not in ("mo", "measure", "high", "above", "low")]

    @property
    def view_fields(self):
        return [f for f in self if f.name in ("measure", "high", "above", "low")]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, f"Дата — с {FIRST_DAY:%d.%m.%Y} по {LAST_DAY:%d.%m.%Y}.")
                start = end = None
        if start and end:
            if start > end:
                self.add_error("date_to", "Конец периода раньше начала.")
            elif end.year - start.year >= MAX_YEARS:
                self.add_error("date_from", f"Период — не длиннее {MAX_YEARS} лет.")
        text = (data.get("user") or "").strip()
        if text:
            users = User.objects.visible_to(self.viewer).filter(
                Q(username__iexact=text)
                | Q(last_name__icontains=text)
                | Q(first_name__icontains=text)
                | Q(middle_name__icontains=text)
            )
            if self.own_only:
                users = users.filter(mo_id=self.viewer.mo_id)
            self.matched_users = list(users.order_by("last_name")[:200])
            if not self.matched_users:
                self.add_error("user", "Пользователь не найден.")
        high, above, low = data.get("high"), data.get("above"), data.get("low")
        if None not in (high, above, low) and "high" in self.fields and not high > above > low:
            self.add_error(
                "above", "Пороги должны убывать: значительно выше > выше > средний уровень."
            )
        return data

    def actions(self) -> tuple[str, ...] | None:
        value = self.cleaned_data.get("action")
        if not value:
            return None
        if value == ENTRY:
            return ENTRY_ACTIONS
        if value == NON_ENTRY:
            return tuple(a for a in Action.values if a not in ENTRY_ACTIONS)
        return (value,)

    def selection(self) -> Selection:
        """What to show (call after is_valid())."""
        data = self.cleaned_data
        region = list(Municipality.objects.filter(is_active=True).order_by("sort_order", "code"))
        if self.own_only:
            mos = [m for m in region if m.pk == self.viewer.mo_id]
            mo_ids = tuple(m.pk for m in mos)
        else:
            chosen = list(data.get("mo") or [])
            mos = sorted(chosen, key=lambda m: (m.sort_order, m.code)) if chosen else region
            mo_ids = tuple(m.pk for m in mos) if chosen else None
        agency = data.get("agency")
        flt = queries.EventFilter(
            mo_ids=mo_ids,
            agency_kind=data.get("agency_kind") or "",
            agency_id=agency.pk if agency else None,
            user_ids=tuple(u.pk for u in self.matched_users) if data.get("user") else None,
            actions=self.actions(),
        )
        thresholds = (150.0, 110.0, 90.0)
        if "high" in self.fields:
            thresholds = (float(data["high"]), float(data["above"]), float(data["low"]))
        return Selection(
            start=data["date_from"],
            end=data["date_to"],
            mos=mos,
            region_mos=region,
            flt=flt,
            own_only=self.own_only,
            measure=data.get("measure") or "entry",
            thresholds=thresholds,
            described=self.described(mos),
        )

    def described(self, mos) -> list[tuple[str, str]]:
        """The filters as a person reads them (reports, exports, the audit trail)."""
        data = self.cleaned_data
        out = [("Период", f"{formats.date(data['date_from'])}–{formats.date(data['date_to'])}")]
        if self.own_only:
            out.append(("МО", f"{mos[0].name if mos else '—'} (и среднее по региону)"))
        elif data.get("mo"):
            out.append(("МО", ", ".join(m.name for m in mos)))
        else:
            out.append(("МО", "все"))
        labels = dict(self.fields["agency_kind"].choices)
        out.append(("Субъекты", labels[data.get("agency_kind") or ""]))
        if data.get("agency"):
            out.append(("Субъект профилактики", str(data["agency"])))
        if data.get("user"):
            names = ", ".join(u.short_name for u in self.matched_users[:10])
            more = len(self.matched_users) - 10
            out.append(("Пользователь", names + (f" и ещё {more}" if more > 0 else "")))
        out.append(("Действия", dict(self.fields["action"].choices)[data.get("action") or ""]))
        if "measure" in self.fields:
            out.append(("Считать", dict(MEASURES)[data.get("measure") or "entry"]))
            out.append(
                (
                    "Пороги сегментов, % от среднего",
                    f"{formats.decimal(data['high'], 0)} / {formats.decimal(data['above'], 0)} / "
                    f"{formats.decimal(data['low'], 0)}",
                )
            )
        return out
