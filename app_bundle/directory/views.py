from django.shortcuts import render

from .models import Agency, AgencyType, Category, Ground, Municipality


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
        },
    )


def category_list(request):
    return render(request, "directory/category_list.html", {"categories": Category.objects.all()})


def ground_list(request):
    return render(request, "directory/ground_list.html", {"grounds": Ground.objects.all()})
