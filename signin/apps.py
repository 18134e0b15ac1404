from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = _("Signing in through the school board")

    def ready(self):
        from schoolprivacy import audit, sections

        from . import models, navigation, views  # noqa: F401 (navigation registers its items)

        audit.register(models.IdentityProvider)
        audit.register(models.ExternalIdentity, exclude=("last_sign_in_at",))
        sections.register("login", views.login_section)
        sections.register("reauthenticate", views.confirm_section)
        sections.register_action("end_session", views.end_session)
