"""Looking at the dossier is logged: an ordinary look, a look at restricted safety records
with its reason (GDPR Art. 18(2)), and break-glass access, reported to the directors."""

from datetime import timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.models import Role, User
from schoolprivacy.tasks import enqueue_on_commit

from ..models import EmergencyAccess, Pupil, RestrictedAccess
from ..permissions import EMERGENCY_MINUTES, PupilAction, SpecialRecordPolicy
from .common import _require, _save


def dossier_viewed(*, pupil: Pupil, acting_user: User, part: str) -> None:
    """Write the ACCESS entry for a look at *part* of a pupil's dossier."""
    audit.log_access(actor=acting_user, obj=pupil, what=part)


@transaction.atomic
def restricted_access_record(*, pupil: Pupil, reason: str, acting_user: User) -> list:
    """A look at the pupil's restricted safety records, with the reason (GDPR Art. 18(2)):
    kept encrypted and logged. Returns the records the look opens.
    """
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Say why you need to look at this record now.")})
    _readable, records = SpecialRecordPolicy().readable(acting_user, pupil)
    if not records:
        raise PermissionDenied
    kinds = sorted({record.kind for record in records})
    with set_actor(acting_user):
        _save(RestrictedAccess(pupil=pupil, user=acting_user, reason=reason, kinds=kinds))
    audit.log_access(actor=acting_user, obj=pupil, what="restricted:" + ",".join(kinds))
    return records


@transaction.atomic
def emergency_access_open(*, pupil: Pupil, reason: str, acting_user: User) -> EmergencyAccess:
    """Open the safety records of *pupil* for an hour, logged and reported to the director."""
    _require(acting_user, pupil, PupilAction.EMERGENCY)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need the medical protocol.")})
    with set_actor(acting_user):
        access = EmergencyAccess(
            pupil=pupil,
            user=acting_user,
            reason=reason,
            expires_at=timezone.now() + timedelta(minutes=EMERGENCY_MINUTES),
        )
        _save(access)
    audit.log_access(actor=acting_user, obj=pupil, what="emergency")
    from ..tasks import report_emergency_access

    enqueue_on_commit(report_emergency_access, access.pk)
    return access


@transaction.atomic
def emergency_access_report(*, access_id: int) -> int:
    """E-mail the directors of the school that break-glass access was used, once; returns how
    many. Run by a task after the opening, or by the sweep if that task was lost."""
    access = (
        EmergencyAccess.objects.select_for_update(of=("self",))
        .select_related("pupil__school", "user")
        .get(pk=access_id)
    )
    if access.reported_at is not None:
        return 0
    access.reported_at = timezone.now()
    access.save(update_fields=["reported_at"])
    directors = User.objects.filter(
        memberships__school=access.pupil.school_id,
        memberships__role=Role.DIRECTOR,
        is_active=True,
    ).distinct()
    sent = 0
    for director in directors:
        with translation.override(director.language):
            body = render_to_string(
                "pupils/email/emergency_access.txt",
                {
                    "director": director,
                    "access": access,
                    "url": settings.SITE_URL
                    + reverse("pupils:history", args=[access.pupil_id])
                    + "#emergency",
                },
            )
            subject = _("Emergency access to a pupil's medical protocol")
        sent += send_mail(subject, body, None, [director.email])
    return sent
