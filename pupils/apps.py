from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = _("Pupils and their dossiers")

    def ready(self) -> None:
        from schoolprivacy import audit

        from .models import Group, Guardianship, Pupil

        audit.register(Group)
        audit.register(Pupil)
        audit.register(Guardianship)
