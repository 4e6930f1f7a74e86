from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.index, name="index"),
    path("mo/", views.municipality_list, name="mo-list"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("categories/", views.category_list, name="category-list"),
    path("grounds/", views.ground_list, name="ground-list"),
    path("agencies/new/", views.entry_create, {"kind": "agency"}, name="agency-create"),
    path("agencies/<uuid:pk>/edit/", views.entry_edit, {"kind": "agency"}, name="agency-edit"),
    path("categories/new/", views.entry_create, {"kind": "category"}, name="category-create"),
    path(
        "categories/<uuid:pk>/edit/",
        views.entry_edit,
        {"kind": "category"},
        name="category-edit",
    ),
    path("grounds/new/", views.entry_create, {"kind": "ground"}, name="ground-create"),
    path("grounds/<uuid:pk>/edit/", views.entry_edit, {"kind": "ground"}, name="ground-edit"),
]
