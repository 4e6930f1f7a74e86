from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Пользователи"

    def ready(self):
        # connects the receivers; models may be imported only once the registry is ready
        from . import signals  # noqa: F401
