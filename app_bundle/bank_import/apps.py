from django.apps import AppConfig


class BankImportConfig(AppConfig):
    name = "bank_import"
    verbose_name = "Первичное заполнение (импорт)"
