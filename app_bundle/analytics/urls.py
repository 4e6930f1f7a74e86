from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("users/", views.users, name="users"),
    path("<slug:slug>/", views.view, name="view"),
    path("<slug:slug>/chart.svg", views.chart, {"fmt": "svg"}, name="chart-svg"),
    path("<slug:slug>/chart.png", views.chart, {"fmt": "png"}, name="chart-png"),
    path("<slug:slug>/export.csv", views.table_export, {"fmt": "csv"}, name="export-csv"),
    path("<slug:slug>/export.xlsx", views.table_export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("<slug:slug>/report/", views.report, name="view-report"),
    path("<slug:slug>/report.pdf", views.report_pdf, name="view-report-pdf"),
]
