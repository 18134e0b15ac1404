"""Looks at safety records that are logged apart: break-glass access and looks at
restricted records, each with its reason."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import EncryptedTextField

from .pupils import Pupil
from .special import SpecialRecord


class EmergencyAccess(models.Model):
    """Break-glass: a member of staff opened a pupil's medical protocol in an emergency."""

    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Staff write health facts here ("an epileptic seizure"): encrypted, masked in the log,
    # never in the director's mail.
    reason = EncryptedTextField(_("reason"), validators=[MaxLengthValidator(1000)])
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    reported_at = models.DateTimeField(_("reported to the director at"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "pupil", "expires_at"], name="emergency_user_idx")]

    def __str__(self):
        return f"{self.user} – {self.pupil_id} – {self.opened_at:%Y-%m-%d %H:%M}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}


class RestrictedAccess(models.Model):
    """A look by staff at a restricted safety record, with the reason (GDPR Art. 18(2)).

    A restriction or an objection leaves the records a child's safety needs (medical
    information, medication, protocols) with the staff who need them, but every look
    asks why, and the answer is kept here, encrypted.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="+", verbose_name=_("pupil")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    reason = EncryptedTextField(_("reason"), validators=[MaxLengthValidator(1000)])
    kinds = ArrayField(
        models.CharField(max_length=16, choices=SpecialRecord.Kind.choices),
        verbose_name=_("kinds looked at"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("look at restricted data")
        verbose_name_plural = _("looks at restricted data")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["pupil", "-at"], name="restricted_access_pupil_idx")]

    def __str__(self):
        return f"{self.user_id} – {self.pupil_id} – {self.at:%Y-%m-%d %H:%M}"

    def get_additional_data(self):
        return {"pupil_id": self.pupil_id}
