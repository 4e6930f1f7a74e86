from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("directory/", include("directory.urls")),
    path("", include("registry.urls")),
    path("", include("prevention.urls")),
    path("meetings/", include("commission.urls")),
    path("raids/", include("raids.urls")),
    path("audit/", include("audit.urls")),
    path("analytics/", include("analytics.urls")),
    path("import/", include("bank_import.urls")),
    path("quality/", include("quality.urls")),
    path("reconciliation/", include("reconciliation.urls")),
    path("inspections/", include("inspections.urls")),
    path("support/", include("support.urls")),
]
