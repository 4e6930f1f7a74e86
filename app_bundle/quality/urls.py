from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.index, name="index"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("<slug:slug>/", views.records, name="records"),
]
