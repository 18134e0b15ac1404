"""The 16th and 18th birthdays: from 16 the pupil decides who of the parents sees the whole
dossier, and at 18 parental authority ends (Civil Code 1:233). The pupil and the parents
are told, by a daily sweep."""

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User
from schoolprivacy.services import notice_queue_many

from .. import ages
from ..models import AdulthoodNotice, Guardianship, Pupil
from .common import _save

#: How many days before the 18th birthday the pupil and the parents are told.
ADULTHOOD_NOTICE_DAYS = 30


@transaction.atomic
def parent_access_set(
    *, pupil: Pupil, guardianship: Guardianship, grant: bool, acting_user: User
) -> Guardianship:
    """The pupil of 16 or older lets a parent see the whole dossier (read only), or takes that
    back; it outlasts parental authority, which ends at 18 (permissions.portal_right). Only
    the pupil decides, from the own account."""
    if pupil.account_id is None or pupil.account_id != acting_user.pk:
        raise PermissionDenied
    if ages.age_on(pupil.date_of_birth, timezone.localdate()) < ages.CONSENT_AGE:
        raise PermissionDenied
    guardianship = Guardianship.objects.select_for_update().get(
        pk=guardianship.pk, pupil_id=pupil.pk
    )
    if grant == (guardianship.access_granted_at is not None):
        return guardianship
    guardianship.access_granted_at = timezone.now() if grant else None
    with set_actor(acting_user):
        guardianship.save(update_fields=["access_granted_at", "updated_at"])
    return guardianship


@dataclass
class AdulthoodReport:
    told_beforehand: int = 0
    ended: int = 0


#: Rights that end at 18, where they did not end before: a right the school gives again
#: afterwards (a parent appointed guardian of an adult, curatele) is left alone.
_ENDING_RIGHTS = (Q(has_parental_authority=True) | Q(has_information_right=True)) & Q(
    authority_ended_on__isnull=True
)


def _with_parental_rights():
    return Exists(Guardianship.objects.filter(_ENDING_RIGHTS, pupil_id=OuterRef("pk")))


def _told(kind: str):
    return Exists(AdulthoodNotice.objects.filter(pupil_id=OuterRef("pk"), kind=kind))


def adulthood_sweep(*, today: date | None = None) -> AdulthoodReport:
    """Tell pupils who turn 18 within ADULTHOOD_NOTICE_DAYS, and their parents, what changes;
    from the birthday end parental authority and the information right (audited), and tell
    them again. Each notice once (a unique row); a run after an outage catches up.
    """
    today = today or timezone.localdate()
    report = AdulthoodReport()
    pupils = Pupil.objects.filter(anonymised_at__isnull=True).filter(_with_parental_rights())
    soon = pupils.filter(
        date_of_birth__gt=ages.born_by(today, ages.ADULT_AGE),
        date_of_birth__lte=ages.born_by(
            today + timedelta(days=ADULTHOOD_NOTICE_DAYS), ages.ADULT_AGE
        ),
    ).exclude(_told(AdulthoodNotice.Kind.COMING))
    for pupil_id in soon.values_list("pk", flat=True):
        report.told_beforehand += _adulthood_tell(pupil_id, AdulthoodNotice.Kind.COMING)
    adults = pupils.filter(date_of_birth__lte=ages.born_by(today, ages.ADULT_AGE))
    for pupil_id in adults.values_list("pk", flat=True):
        report.ended += _adulthood_carry_out(pupil_id)
    return report


def sixteen_sweep(*, today: date | None = None) -> int:
    """Tell the pupils who are 16 or 17, and their parents, once, that the pupil now decides
    on consents, requests and who sees the whole dossier (permissions.portal_right). A run
    after an outage, or the first run for pupils already 16, catches up."""
    today = today or timezone.localdate()
    pupils = (
        Pupil.objects.filter(anonymised_at__isnull=True)
        .filter(_with_parental_rights())
        .filter(
            date_of_birth__lte=ages.born_by(today, ages.CONSENT_AGE),
            date_of_birth__gt=ages.born_by(today, ages.ADULT_AGE),
        )
        .exclude(_told(AdulthoodNotice.Kind.SIXTEEN))
    )
    return sum(
        _adulthood_tell(pupil_id, AdulthoodNotice.Kind.SIXTEEN)
        for pupil_id in pupils.values_list("pk", flat=True)
    )


@transaction.atomic
def _adulthood_carry_out(pupil_id: int) -> int:
    """Parental authority and the information right end on the 18th birthday."""
    pupil = Pupil.objects.select_for_update(skip_locked=True).filter(pk=pupil_id).first()
    if pupil is None:
        return 0
    adult_on = ages.birthday(pupil.date_of_birth, ages.ADULT_AGE)
    ended = 0
    for guardianship in Guardianship.objects.select_for_update().filter(
        _ENDING_RIGHTS, pupil=pupil
    ):
        guardianship.has_parental_authority = False
        guardianship.has_information_right = False
        guardianship.authority_ended_on = adult_on
        _save(guardianship)  # no actor: the law, carried out by the system
        ended += 1
    if ended:
        _adulthood_tell(pupil.pk, AdulthoodNotice.Kind.DONE, parents_of_before=True)
    return ended


def _adulthood_tell(pupil_id: int, kind: str, *, parents_of_before: bool = False) -> int:
    """Tell the pupil and the parents, once per kind (the unique row decides)."""
    with transaction.atomic():
        pupil = Pupil.objects.select_related("school").get(pk=pupil_id)
        adult_on = ages.birthday(pupil.date_of_birth, ages.ADULT_AGE)
        _notice, created = AdulthoodNotice.objects.get_or_create(
            pupil=pupil, kind=kind, defaults={"adult_on": adult_on}
        )
        if not created:
            return 0
        guardianships = Guardianship.objects.filter(pupil=pupil).select_related("parent")
        if parents_of_before:
            guardianships = guardianships.filter(authority_ended_on=adult_on)
        else:
            guardianships = guardianships.filter(
                Q(has_parental_authority=True) | Q(has_information_right=True)
            )
        messages = []
        for guardianship in guardianships:
            person = guardianship.parent
            with translation.override(person.language):
                messages.append(
                    (
                        person,
                        _("A message from %(school)s about your child")
                        % {"school": pupil.school.name},
                        functools.partial(_adulthood_text, kind, pupil, guardianship),
                        reverse("portal:child", args=[pupil.pk]),
                        pupil.pk,
                    )
                )
        account = pupil.account if pupil.account_id else None
        if account is not None and account.is_active:
            with translation.override(account.language):
                messages.append(
                    (
                        account,
                        _("A message from %(school)s about your data")
                        % {"school": pupil.school.name},
                        functools.partial(_adulthood_text, kind, pupil, None),
                        reverse("portal:parents_access", args=[pupil.pk]),
                        pupil.pk,
                    )
                )
        notice_queue_many(messages)
    return 1


def _adulthood_text(kind: str, pupil: Pupil, guardianship) -> str:
    """What the 16th or 18th birthday changes, to a parent (*guardianship*) or to the pupil.
    It goes by e-mail too: no name, and no date that would tell the date of birth."""
    if guardianship is None and kind == AdulthoodNotice.Kind.SIXTEEN:
        text = _(
            "You are 16 now: you decide on your own consents and requests at %(school)s, and "
            "which of your parents see your whole dossier. You decide that in the portal, "
            "under “Your parents' access”."
        )
    elif kind == AdulthoodNotice.Kind.SIXTEEN:
        text = _(
            "Your child is 16 now and decides on their own consents and requests at "
            "%(school)s, and on whether you see the whole dossier. Until your child turns 18 "
            "you keep seeing the progress, and with parental authority the consents."
        )
    elif guardianship is None and kind == AdulthoodNotice.Kind.COMING:
        text = _(
            "You turn 18 soon. From then on your parents no longer see your data at "
            "%(school)s, unless you let them. You decide that in the portal, under “Your "
            "parents' access”."
        )
    elif guardianship is None:
        text = _(
            "You are 18 now: your parents no longer see your data at %(school)s, except a "
            "parent you let see it. You can change that in the portal at any time."
        )
    elif kind == AdulthoodNotice.Kind.COMING:
        text = _(
            "Your child turns 18 soon. Parental authority then ends, and with it your access "
            "to your child's data at %(school)s, unless your child lets you keep seeing it. "
            "The date is in the portal."
        )
    elif guardianship.access_granted_at is not None:
        text = _(
            "Your child is 18 now and parental authority has ended. Your child lets you keep "
            "seeing the data at %(school)s, read only."
        )
    else:
        text = _(
            "Your child is 18 now and parental authority has ended: you no longer see your "
            "child's data at %(school)s. Your child can let you see it again."
        )
    return text % {"school": pupil.school.name}
