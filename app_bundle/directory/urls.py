from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.index, name="index"),
    path("mo/", views.municipality_list, name="mo-list"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("categories/", views.category_list, name="category-list"),
    path("grounds/", views.ground_list, name="ground-list"),
]
