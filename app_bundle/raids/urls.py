from django.urls import path

from . import views

app_name = "raids"
urlpatterns = [
    path("", views.raid_list, name="raid-list"),
    path("new/", views.raid_create, name="raid-create"),
    path("<uuid:pk>/", views.raid_detail, name="raid-detail"),
    path("<uuid:pk>/edit/", views.raid_edit, name="raid-edit"),
    path("<uuid:pk>/delete/", views.raid_delete, name="raid-delete"),
    path("<uuid:pk>/visits/new/", views.visit_create, name="raid-visit-create"),
    path("visits/<uuid:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<uuid:pk>/delete/", views.visit_delete, name="visit-delete"),
]
