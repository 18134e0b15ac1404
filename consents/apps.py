from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consents")

    def ready(self) -> None:
        from schoolprivacy import audit, sections

        from . import models, views

        for model in (
            models.PurposeVersion,
            models.PurposePick,
            models.Decision,
            models.Takedown,
            models.ConsentEvent,
        ):
            audit.register(model)
        audit.register(models.Publication, m2m=("pupils",))
        audit.register(models.Purpose, m2m=("groups",))
        from pupils import voluntary

        from . import selectors

        voluntary.register_consent_rule(selectors.explicit_consent)
        sections.register("pupil", views.pupil_section)
        sections.register("portal_child", views.portal_section)
