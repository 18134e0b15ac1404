from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "requests"
    verbose_name = _("Data-subject requests")

    def ready(self) -> None:
        from pupils import voluntary
        from schoolprivacy import audit, sections

        from . import models, services, views

        for model in (
            models.SchoolRouting,
            models.BoardHoliday,
            models.ErasureItem,
            models.RecipientNotice,
        ):
            audit.register(model)
        audit.register(models.DataRequest, masked=("explanation", "answer"))
        audit.register(models.RectificationItem, masked=("proposed_value", "statement"))
        # The copy's content is the child's whole file: never in an audit diff.
        audit.register(models.AccessCopy, exclude=("content",))
        sections.register("pupil", views.pupil_section)
        sections.register("portal_child", views.portal_section)
        sections.register_action("correct", views.correction_link)
        sections.register_action("erase", views.erasure_link)
        voluntary.register_erasure_recorder(services.erasure_of_voluntary_data)
