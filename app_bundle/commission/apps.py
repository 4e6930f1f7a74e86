from django.apps import AppConfig


class CommissionConfig(AppConfig):
    name = "commission"
    verbose_name = "Заседания комиссии"

    def ready(self):
        # Imported here: models may be imported only once the app registry is ready.
        from regbank_app.cards import card_page_requested

        from .models import resolutions_on_card

        card_page_requested.connect(resolutions_on_card, dispatch_uid="commission.resolutions")
