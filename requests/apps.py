from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "requests"
    verbose_name = _("Data-subject requests")

    def ready(self) -> None:
        from pupils import selectors as pupil_selectors
        from pupils import voluntary
        from schoolprivacy import audit, list_filters, metrics, sections

        from . import models, selectors, services, views

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
        list_filters.register(
            pupil_selectors.LIST_PAGE,
            list_filters.ListFilter(
                name="request",
                label=_("Requests"),
                choices=selectors.open_request_choices,
                select=selectors.pupils_with_open_request,
            ),
        )
        voluntary.register_erasure_recorder(services.erasure_of_voluntary_data)
        metrics.register(
            "copies_stuck",
            "Access copies still being made after the stale-work sweep should have made them.",
            selectors.copies_stuck_count,
        )
        metrics.register(
            "recipient_notices_pending",
            "Art. 19 notices to suppliers and recipients not yet sent or settled.",
            selectors.recipient_notices_pending_count,
        )
        metrics.register(
            "erasures_not_in_ledger",
            "Erasures not yet written to the ledger kept apart from the database.",
            selectors.erasures_not_in_ledger_count,
        )
