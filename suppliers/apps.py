from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = _("Suppliers and registers")

    def ready(self) -> None:
        from schoolprivacy import audit, sections

        from . import models, views

        audit.register(models.Supplier)
        audit.register(models.SupplierUse)
        audit.register(models.FieldSet)
        audit.register(models.Recipient, m2m=("schools",))
        audit.register(models.Breach, m2m=("schools",))
        audit.register(models.ProcessingActivity)
        audit.register(models.PrivacyDocument)
        sections.register("portal_child", views.portal_section)
