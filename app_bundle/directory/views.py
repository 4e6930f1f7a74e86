from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from regbank_app import site
from regbank_app.crud import create_object, edit_object

from .forms import AgencyForm, CategoryForm, GroundForm
from .models import Agency, AgencyType, Category, Ground, Municipality


def _can_edit(request) -> bool:
    return request.user.is_regional and site.masters_reference_data()


def index(request):
    return render(request, "directory/index.html")


def municipality_list(request):
    return render(request, "directory/mo_list.html", {"municipalities": Municipality.objects.all()})


def agency_list(request):
    agencies = Agency.objects.select_related("mo")
    mo = request.GET.get("mo", "")
    type_ = request.GET.get("type", "")
    if mo == "region":
        agencies = agencies.filter(mo__isnull=True)
    elif mo:
        agencies = agencies.filter(mo__code=mo)
    if type_ in AgencyType.values:
        agencies = agencies.filter(type=type_)
    return render(
        request,
        "directory/agency_list.html",
        {
            "agencies": agencies,
            "municipalities": Municipality.objects.all(),
            "types": AgencyType.choices,
            "selected_mo": mo,
            "selected_type": type_,
            "can_edit": _can_edit(request),
        },
    )


def category_list(request):
    return render(
        request,
        "directory/category_list.html",
        {"categories": Category.objects.all(), "can_edit": _can_edit(request)},
    )


def ground_list(request):
    return render(
        request,
        "directory/ground_list.html",
        {"grounds": Ground.objects.all(), "can_edit": _can_edit(request)},
    )


# --- editing: regional officers, at the regional server (directories are mastered there) --
EDITABLE = {
    "agency": (Agency, AgencyForm, "directory:agency-list"),
    "category": (Category, CategoryForm, "directory:category-list"),
    "ground": (Ground, GroundForm, "directory:ground-list"),
}


def _require_editor(request):
    if not site.masters_reference_data():
        raise PermissionDenied("Справочники ведутся на региональном сервере.")
    if not request.user.is_regional:
        raise PermissionDenied("Справочники ведёт региональный специалист.")


def entry_create(request, kind):
    _require_editor(request)
    model, form_class, list_url = EDITABLE[kind]
    return create_object(
        request,
        form_class,
        "directory/form.html",
        lambda obj: None,
        {"title": f"Новая запись: {model._meta.verbose_name}", "list_url": list_url},
        success_url=list_url,
    )


def entry_edit(request, kind, pk):
    _require_editor(request)
    model, form_class, list_url = EDITABLE[kind]
    obj = get_object_or_404(model, pk=pk)
    return edit_object(
        request,
        obj,
        form_class,
        "directory/form.html",
        {"title": f"{model._meta.verbose_name.capitalize()}: {obj}", "list_url": list_url},
        success_url=list_url,
    )
