from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("municipal-server/", views.municipal_server, name="municipal-server"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<uuid:pk>/", views.user_detail, name="user-detail"),
    path("users/<uuid:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<uuid:pk>/password/", views.user_reset_password, name="user-password"),
]
