from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consents")

    def ready(self) -> None:
        from pupils import selectors as pupil_selectors
        from schoolprivacy import audit, list_filters, sections

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
        sections.register_action("class_consents", views.class_overview_link)
        list_filters.register(
            pupil_selectors.LIST_PAGE,
            list_filters.ListFilter(
                name="consent",
                label=_("Photo consent"),
                choices=selectors.photo_consent_choices,
                select=selectors.pupils_by_photo_consent,
            ),
        )
