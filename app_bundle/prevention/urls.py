from django.urls import path

from . import views

app_name = "prevention"
urlpatterns = [
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/overdue/", views.overdue, name="overdue"),
    path("plans/<uuid:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<uuid:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<uuid:pk>/delete/", views.plan_delete, name="plan-delete"),
    path("plans/<uuid:pk>/measures/new/", views.measure_create, name="plan-measure-create"),
    path("measures/", views.my_measures, name="measure-list"),
    path("measures/<uuid:pk>/edit/", views.measure_edit, name="measure-edit"),
    path("measures/<uuid:pk>/delete/", views.measure_delete, name="measure-delete"),
    path("measures/<uuid:pk>/report/", views.measure_report, name="measure-report"),
]
