from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
    path(
        "<uuid:pk>/recommendations/new/",
        views.recommendation_create,
        name="visit-recommendation-create",
    ),
    path("recommendations/<uuid:pk>/edit/", views.recommendation_edit, name="recommendation-edit"),
    path(
        "recommendations/<uuid:pk>/delete/",
        views.recommendation_delete,
        name="recommendation-delete",
    ),
]
