from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("export/csv/", views.export_events, {"fmt": "csv"}, name="export-csv"),
    path("export/xlsx/", views.export_events, {"fmt": "xlsx"}, name="export-xlsx"),
    path("<uuid:pk>/", views.event_detail, name="event-detail"),
]
