"""The audit log in the technical admin site: django-auditlog's own list, with a search
that works on this project's user.

django-auditlog's LogEntryAdmin searches ``actor__first_name`` and ``actor__last_name``,
which the User here does not have (schoolprivacy/models.py: ``full_name``), so every
search ended in a FieldError. :func:`register` puts this admin in its place; it runs from
CoreConfig.ready() (schoolprivacy/apps.py), once the apps are loaded.
"""

from auditlog import admin as auditlog_admin  # registers its own admin first
from django.contrib import admin

from .audit_entry import AuditEntry


class LogEntryAdmin(auditlog_admin.LogEntryAdmin):
    # Who did it (address or name) and what it was about: fields that exist here.
    search_fields = ["object_repr", "actor__email", "actor__full_name"]


def register(site: admin.AdminSite = admin.site) -> None:
    """Replace django-auditlog's admin of the entries on *site* with :class:`LogEntryAdmin`."""
    if site.is_registered(AuditEntry):
        site.unregister(AuditEntry)
    site.register(AuditEntry, LogEntryAdmin)
