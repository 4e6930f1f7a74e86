from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("families/", views.family_list, name="family-list"),
    path("families/new/", views.family_create, name="family-create"),
    path("families/<uuid:pk>/", views.family_detail, name="family-detail"),
    path("families/<uuid:pk>/edit/", views.family_edit, name="family-edit"),
    path("families/<uuid:pk>/delete/", views.family_delete, name="family-delete"),
    path("families/<uuid:pk>/history/", views.family_history, name="family-history"),
    path(
        "families/<uuid:pk>/register/",
        views.card_register,
        {"kind": "family"},
        name="family-register",
    ),
    path("families/<uuid:family_pk>/members/new/", views.member_create, name="member-create"),
    path("members/<uuid:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<uuid:pk>/delete/", views.member_delete, name="member-delete"),
    path("minors/", views.minor_list, name="minor-list"),
    path("minors/new/", views.minor_create, name="minor-create"),
    path("minors/<uuid:pk>/", views.minor_detail, name="minor-detail"),
    path("minors/<uuid:pk>/edit/", views.minor_edit, name="minor-edit"),
    path("minors/<uuid:pk>/delete/", views.minor_delete, name="minor-delete"),
    path("minors/<uuid:pk>/history/", views.minor_history, name="minor-history"),
    path(
        "minors/<uuid:pk>/register/", views.card_register, {"kind": "minor"}, name="minor-register"
    ),
    path("registrations/<uuid:pk>/edit/", views.registration_edit, name="registration-edit"),
    path(
        "registrations/<uuid:pk>/deregister/",
        views.registration_deregister,
        name="registration-deregister",
    ),
    path("registrations/<uuid:pk>/delete/", views.registration_delete, name="registration-delete"),
]
