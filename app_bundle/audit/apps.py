from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Журнал действий пользователей"

    def ready(self):
        # Imported here: models may be imported only once the app registry is ready.
        from regbank_app.audit_trail import event_requested

        from .services import store_event

        event_requested.connect(store_event, dispatch_uid="audit.store_event")
