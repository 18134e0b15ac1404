from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = _("Suppliers and registers")

    def ready(self) -> None:
        from schoolprivacy import audit

        from .models import Supplier

        audit.register(Supplier, m2m=("schools",))
