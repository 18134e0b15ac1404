from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "schoolprivacy"
    verbose_name = _("Core: users, boards and schools")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import audit, audit_admin, metrics, personal_data

        audit.register_core_models()
        audit_admin.register()
        metrics.register_core()
        # What every app holds about whom, from its personal_data.py.
        personal_data.discover()
        # Each app may contribute menu items in its own navigation.py.
        autodiscover_modules("navigation")
