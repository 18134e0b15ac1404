"""The technical admin site, for the technical administrator (is_staff) only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Authenticator,
    Board,
    BoardMembership,
    Membership,
    Notice,
    RecoveryCodes,
    School,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


class BoardMembershipInline(admin.TabularInline):
    model = BoardMembership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    inlines = [MembershipInline, BoardMembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["full_name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "full_name", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # A disabled account is logged out everywhere, at once.
            services.sessions_end(user=obj)


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "privacy_contact_email"]
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "brin", "kind", "board"]
    list_filter = ["kind", "board"]
    search_fields = ["name", "brin"]


@admin.register(Notice)
class SetAsideMailAdmin(admin.ModelAdmin):
    """The notice mails set aside (dead letters): failed for a reason other than the
    network, never tried again. To look at only: the notice itself stays in the app."""

    list_display = ["mail_failed_at", "user", "mail_subject", "mail_failure", "mail_attempts"]
    list_select_related = ["user"]
    ordering = ["-mail_failed_at"]
    date_hierarchy = "mail_failed_at"
    fields = readonly_fields = (
        "user",
        "created_at",
        "mail_subject",
        "mail_key",
        "mail_attempts",
        "mail_failed_at",
        "mail_failure",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(mail_failed_at__isnull=False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Two-step verification: who has what, never the secrets -----------------------------------
# django-otp's own device admins show every staff member's key and recovery codes; its
# tables are empty here (schoolprivacy/migrations/0011), and its admins are taken away.


def _without_django_otp_admins() -> None:
    from django_otp.plugins.otp_static import admin as static_admin  # noqa: F401 (registers)
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp import admin as totp_admin  # noqa: F401 (registers)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_without_django_otp_admins()


class DeviceAdmin(admin.ModelAdmin):
    """Read-only: whose device, since when, last used. Deleting one resets a lost phone."""

    list_display = fields = readonly_fields = (
        "user",
        "name",
        "confirmed",
        "created_at",
        "last_used_at",
    )
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Authenticator, DeviceAdmin)
admin.site.register(RecoveryCodes, DeviceAdmin)
