from django.urls import path

from . import views

app_name = "reconciliation"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.draw, name="draw"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/print/", views.checklist, name="checklist"),
]
