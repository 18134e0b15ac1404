"""Whom parents and pupils ask: the school's choice of role per topic (QuestionContact)."""

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schoolprivacy.authorization import grants_for
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import Role, School, User

from ..models import QuestionContact


@transaction.atomic
def question_contacts_set(*, school: School, roles: dict[str, str], acting_user: User) -> None:
    """Set which role answers the questions on each topic at *school* (one row per topic
    that changed; a topic left out keeps what it had)."""
    if not grants_for(acting_user).has_school_role(
        school.pk, *school_roles_with(Capability.QUESTION_CONTACTS)
    ):
        raise PermissionDenied
    unknown = set(roles) - set(QuestionContact.Topic.values)
    if unknown or not set(roles.values()) <= set(Role.values):
        raise ValidationError(_("Choose a role for each kind of question."))
    current = dict(QuestionContact.objects.filter(school=school).values_list("topic", "role"))
    with set_actor(acting_user):
        for topic, role in roles.items():
            if current.get(topic, QuestionContact.DEFAULTS[topic]) == role:
                continue  # nothing changes
            QuestionContact.objects.update_or_create(
                school=school, topic=topic, defaults={"role": role}
            )
