from django.urls import path

from . import views

app_name = "bank_import"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/<slug:kind>.xlsx", views.template, name="template"),
]
