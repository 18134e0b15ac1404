"""What the pupils app holds about whom (schoolprivacy/personal_data.py), in erasure order.

The retention categories are those of requests.models.ErasureCategory; the copy sections
those of requests/copies.py.
"""

from django.db.models import Q

from schoolprivacy.personal_data import Erasure, Holding, Subject, kinds

from . import models as m

#: The fields every dossier entry has.
ENTRY = ("source", "source_detail", "recorded_at", "author")
CORRECTION = "pupils.services.correction_apply"


def holdings() -> list[Holding]:
    return [
        # The dossier (deleted 2 years after leaving, or earlier on request).
        Holding(
            m.Agreement,
            Subject.PUPIL,
            kinds(*ENTRY, "agreed_on", "participants", "agreement", "follow_up", "follow_up_on"),
            copy="agreements",
            erasure=Erasure.DELETE,
            retention="dossier",
            correction=CORRECTION,
        ),
        Holding(
            m.TestResult,
            Subject.PUPIL,
            kinds(*ENTRY, "test_name", "taken_on", "score", "level", "remark"),
            copy="test_results",
            erasure=Erasure.DELETE,
            retention="dossier",
            correction=CORRECTION,
        ),
        Holding(
            m.Note,
            Subject.PUPIL,
            kinds(*ENTRY, "kind", "written_on", "title", "body"),
            copy="notes",
            erasure=Erasure.DELETE,
            retention="dossier",
            rows=~Q(kind=m.Note.Kind.REFERRAL),
            correction=CORRECTION,
        ),
        Holding(
            m.Note,
            Subject.PUPIL,
            kinds(*ENTRY, "kind", "written_on", "title", "body"),
            copy="notes",
            erasure=Erasure.DELETE,
            retention="referral",
            rows=Q(kind=m.Note.Kind.REFERRAL),
            correction=CORRECTION,
        ),
        Holding(
            m.EntryRevision,
            Subject.PUPIL,
            kinds("values", "reason", "corrected_by", "corrected_at"),
            copy="earlier_versions",
            erasure=Erasure.WITH_OWNER,
            retention="dossier",
            why="goes with the entry it is an earlier version of (on_delete CASCADE)",
        ),
        Holding(
            m.Attachment,
            Subject.PUPIL,
            kinds("title", "content", "added_by", secret=("data_key",)),
            copy="documents",
            erasure=Erasure.WITH_OWNER,
            retention="dossier",
            why="goes with the entry or record it is attached to (on_delete CASCADE)",
        ),
        # Special categories (Art. 9): encrypted, and who looked at them.
        Holding(
            m.SpecialRecord,
            Subject.PUPIL,
            kinds("kind", "author", special=("content", "source_detail", "end_reason")),
            copy="special_categories",
            erasure=Erasure.DELETE,
            retention="special",
            correction=CORRECTION,
        ),
        Holding(
            m.EmergencyAccess,
            Subject.PUPIL,
            kinds("user", "opened_at", special=("reason",)),
            copy="emergency_access",
            erasure=Erasure.DELETE,
            retention="special",
        ),
        Holding(
            m.RestrictedAccess,
            Subject.PUPIL,
            kinds("kinds", "user", "at", special=("reason",)),
            copy="restricted_looks",
            erasure=Erasure.DELETE,
            retention="special",
        ),
        # The parents' declarations for the funding rules.
        Holding(
            m.ParentDeclaration,
            Subject.PARENT,
            kinds("education_level", "declared_on", special=("nationality",)),
            copy="your_declaration",
            erasure=Erasure.DELETE,
            retention="declaration",
            given_by="parent",
        ),
        # The administration (5 years after leaving): deleted, then the pupil anonymised.
        Holding(
            m.GroupPlacement,
            Subject.PUPIL,
            kinds("group", "start_on", "end_on"),
            copy="groups",
            erasure=Erasure.DELETE,
            retention="administration",
        ),
        Holding(
            m.EmergencyContact,
            Subject.PUPIL,
            kinds("name", "relation", "phone", "parent"),
            copy="emergency_contacts",
            erasure=Erasure.DELETE,
            retention="administration",
        ),
        Holding(
            m.Invitation,
            Subject.PARENT,
            kinds("full_name", "parent", "relation", secret=("token_hash",)),
            copy=None,
            erasure=Erasure.DELETE,
            retention="administration",
            why="an invitation proposes a link; the copy shows the parents linked",
        ),
        Holding(
            m.AdulthoodNotice,
            Subject.PUPIL,
            kinds("kind", "adult_on"),
            copy=None,
            erasure=Erasure.DELETE,
            retention="administration",
            why="only the fact that the pupil was told of turning 16 or 18",
        ),
        Holding(
            m.Guardianship,
            Subject.PARENT,
            kinds(
                "parent",
                "relation",
                "has_parental_authority",
                "has_information_right",
                "authority_ended_on",
                "access_granted_at",
            ),
            copy="parents",
            erasure=Erasure.DELETE,
            retention="administration",
        ),
        Holding(
            m.PupilUserObjectPermission,
            Subject.STAFF,
            kinds("user"),
            copy=None,
            erasure=Erasure.DELETE,
            retention="administration",
            pupil="content_object",
            why="which staff member was given access to the pupil, not data about the pupil",
        ),
        Holding(
            m.ParentContact,
            Subject.PARENT,
            kinds("street", "postcode", "city", "phone_mobile", "phone_home", "phone_work"),
            copy="your_contact_details",
            erasure=Erasure.WITH_OWNER,
            retention="administration",
            pupil=None,
            why="a parent's own address: deleted with their last child's administration",
        ),
        Holding(
            m.Pupil,
            Subject.PUPIL,
            kinds(
                "first_name",
                "name_prefix",
                "last_name",
                "date_of_birth",
                "gender",
                "eckid",
                "enrolled_on",
                "left_on",
                "account",
                "group",
                bsn=("bsn",),
                secret=("bsn_index",),
            ),
            copy="pupil",
            erasure=Erasure.ANONYMISE,
            retention="administration",
            pupil="pk",
            rows=Q(anonymised_at__isnull=True),
            correction=CORRECTION,
        ),
        Holding(
            m.ProcessingHold,
            Subject.PUPIL,
            kinds("categories", "items", "reason", "lift_reason"),
            copy="holds",
            erasure=Erasure.FACTS,
            why="the proof of a restriction or legal hold; kept while the pupil is kept",
        ),
    ]


def not_personal() -> dict:
    return {
        m.Group: "a group's name and school year",
        m.GroupUserObjectPermission: "which staff member teaches a group (staff's roles)",
        m.QuestionContact: "which role at a school answers parents' questions on what",
    }
