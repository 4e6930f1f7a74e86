from django.apps import AppConfig


class RaidsConfig(AppConfig):
    name = "raids"
    verbose_name = "Рейдовые мероприятия"
