from django.urls import path

from . import views

app_name = "commission"
urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("<uuid:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<uuid:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<uuid:pk>/delete/", views.meeting_delete, name="meeting-delete"),
    path("<uuid:pk>/items/new/", views.item_create, name="meeting-item-create"),
    path("<uuid:pk>/resolutions/new/", views.resolution_create, name="meeting-resolution-create"),
    path("items/<uuid:pk>/edit/", views.item_edit, name="item-edit"),
    path("items/<uuid:pk>/delete/", views.item_delete, name="item-delete"),
    path("resolutions/<uuid:pk>/edit/", views.resolution_edit, name="resolution-edit"),
    path("resolutions/<uuid:pk>/delete/", views.resolution_delete, name="resolution-delete"),
]
