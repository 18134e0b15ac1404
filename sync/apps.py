from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Sync with the pupil administration")

    def ready(self) -> None:
        from schoolprivacy import audit

        from . import models

        audit.register(models.ChangeNotice, masked=("body",))
