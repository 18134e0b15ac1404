from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = _("Pupils and their dossiers")

    def ready(self) -> None:
        from schoolprivacy import audit

        from . import models

        for model in (
            models.Group,
            models.Guardianship,
            models.ParentContact,
            models.GroupPlacement,
            models.Agreement,
            models.TestResult,
            models.Note,
            models.EmergencyAccess,
            models.GroupUserObjectPermission,
            models.PupilUserObjectPermission,
            models.ProcessingHold,
            models.EntryRevision,
            models.EmergencyContact,
        ):
            audit.register(model)
        audit.register(models.Pupil, exclude=("bsn_index",), masked=("bsn",))
        audit.register(models.SpecialRecord, masked=("content",))
        audit.register(models.RestrictedAccess)
        audit.register(models.ParentDeclaration)
        audit.register(models.Attachment, exclude=("content",))  # sealed bytes, not text
        audit.register(models.Invitation, exclude=("token_hash",))
        audit.register(models.QuestionContact)

        from schoolprivacy import sections

        from .views.portal import ask_section

        sections.register("ask", ask_section)
