"""Every column that can hold text is classified: which may hold a special-category fact
or a secret, and how it is kept unreadable. A new text, JSON, array or binary column in
any table (the project's or a library's) fails here until someone decides, like a new URL
fails the route matrix. Encrypted fields (schoolprivacy/fields.py) classify themselves.
"""

import pytest
from django.apps import apps
from django.db import connection

from schoolprivacy.fields import EncryptedTextField

pytestmark = pytest.mark.django_db

HASHED = "a one-way hash: the secret itself is not kept"
LOG = "the audit log: encrypted and masked fields appear masked (schoolprivacy/audit.py)"
APP = "written by the app: codes, choices, states, keys, paths, counts, its own messages"
ORDINARY = "ordinary data of a person or the school: no special category, no secret"
HANDLING = (
    "free text of ordinary work (the dossier, handling a request, the register): a "
    "special-category fact has its own encrypted record (pupils.SpecialRecord), and the "
    "dossier's forms say so next to their free text (pupils/forms.py: SPECIAL_ELSEWHERE)"
)
FILE = "the name of a stored file, picked by the app; the file is served by permission"
SEALED = "sealed bytes, encrypted with a key of their own (pupils/models/dossier.py: Attachment)"
EMPTIED = "django-otp's own table: emptied by schoolprivacy/migrations/0011, never written"
LIBRARY = "a library's own bookkeeping: names of apps, models, permissions, sessions"

COLUMNS = {
    "auditlog_logentry": dict.fromkeys(
        ["actor_email", "additional_data", "changes", "changes_text", "cid", "object_pk"],
        LOG,
    )
    | {"object_repr": LOG, "serialized_data": LOG},
    "auth_group": {"name": LIBRARY},
    "auth_permission": {"codename": LIBRARY, "name": LIBRARY},
    # django-axes keeps failed logins; it masks the password (AXES_SENSITIVE_PARAMETERS).
    "axes_accessattempt": dict.fromkeys(
        ["get_data", "http_accept", "path_info", "post_data", "user_agent", "username"],
        ORDINARY,
    ),
    "axes_accessfailurelog": dict.fromkeys(
        ["http_accept", "path_info", "user_agent", "username"], ORDINARY
    ),
    "axes_accesslog": dict.fromkeys(
        ["http_accept", "path_info", "user_agent", "username"], ORDINARY
    )
    | {"session_hash": HASHED},
    "consents_consentevent": {"trigger": APP},
    "consents_decision": {"channel": APP, "choice": APP, "decider_role": APP, "scan": FILE},
    "consents_publication": {"location": ORDINARY, "title": ORDINARY},
    "consents_purpose": {"category": APP, "code": APP, "trigger": APP}
    | {"departments": ORDINARY, "year_groups": ORDINARY},
    "consents_purposeversion": dict.fromkeys(
        ["text_en", "text_nl", "title_en", "title_nl"], ORDINARY
    )
    | dict.fromkeys(
        ["pupil_text_en", "pupil_text_nl", "pupil_title_en", "pupil_title_nl"], ORDINARY
    ),
    "consents_takedown": {"note": HANDLING},
    "django_admin_log": {"change_message": LIBRARY, "object_id": LIBRARY, "object_repr": LIBRARY},
    "django_content_type": {"app_label": LIBRARY, "model": LIBRARY},
    "django_migrations": {"app": LIBRARY, "name": LIBRARY},
    "django_session": {"session_data": LIBRARY, "session_key": LIBRARY},
    "guardian_groupobjectpermission": {"object_pk": LIBRARY},
    "guardian_userobjectpermission": {"object_pk": LIBRARY},
    "otp_static_staticdevice": {"name": EMPTIED},
    "otp_static_statictoken": {"token": EMPTIED},
    "otp_totp_totpdevice": {"key": EMPTIED, "name": EMPTIED},
    "pupils_adulthoodnotice": {"kind": APP},
    "pupils_agreement": {"agreement": HANDLING, "follow_up": HANDLING}
    | {"participants": HANDLING, "source": APP, "source_detail": HANDLING},
    "pupils_attachment": {"content": SEALED, "kind": APP},
    "pupils_emergencycontact": {"kind": APP},
    "pupils_group": {"external_key": APP, "name": ORDINARY, "department": ORDINARY},
    "pupils_guardianship": {"relation": APP},
    "pupils_questioncontact": {"topic": APP, "role": APP},
    "pupils_invitation": {"token_hash": HASHED, "full_name": ORDINARY, "relation": APP},
    "pupils_note": {"body": HANDLING, "kind": APP, "source": APP}
    | {"source_detail": HANDLING, "title": HANDLING},
    "pupils_parentdeclaration": {"education_level": APP, "legal_basis": APP},
    "pupils_processinghold": {"categories": APP, "items": APP, "kind": APP}
    | {"lift_reason": HANDLING, "reason": HANDLING, "reference": APP},
    "pupils_pupil": {"bsn_index": HASHED, "eckid": APP, "external_key": APP}
    | dict.fromkeys(["first_name", "gender", "last_name", "name_prefix"], ORDINARY),
    "pupils_restrictedaccess": {"kinds": APP},
    "pupils_specialrecord": {"kind": APP, "source": APP},
    "pupils_testresult": {"level": ORDINARY, "remark": HANDLING, "score": ORDINARY}
    | {"source": APP, "source_detail": HANDLING, "test_name": ORDINARY},
    "requests_accesscopy": {"redactions": APP, "sha256": HASHED, "status": APP},
    "requests_boardholiday": {"name": ORDINARY},
    "requests_datarequest": dict.fromkeys(
        ["categories", "channel", "identity_check", "kind", "requester_role", "status"], APP
    )
    | {"answer_data": APP, "extension_reasons": HANDLING, "identity_note": HANDLING},
    "requests_erasureitem": dict.fromkeys(["category", "item_kind", "key", "outcome"], APP)
    | {"reason": HANDLING},
    "requests_erasurerecord": dict.fromkeys(
        ["categories", "erased", "request_reference", "source"], APP
    ),
    "requests_recipientnotice": {"fields": APP, "items": APP, "note": HANDLING}
    | {"status": APP, "subject": APP},
    "requests_rectificationitem": {"decision": APP, "field": APP, "reason": HANDLING}
    | {"target": APP},
    "requests_reminder": {"kind": APP},
    "requests_requestevent": {"from_status": APP, "kind": APP, "to_status": APP},
    "requests_retentionrun": {"counts": APP},
    "requests_schoolrouting": {"handler_roles": APP},
    "schoolprivacy_authenticator": {"name": APP},
    "schoolprivacy_board": {"name": ORDINARY, "privacy_contact_email": ORDINARY},
    "schoolprivacy_boardmembership": {"role": APP},
    "schoolprivacy_heartbeat": {"name": APP},
    "schoolprivacy_membership": {"role": APP},
    "schoolprivacy_notice": dict.fromkeys(
        ["mail_failure", "mail_subject", "message", "texts", "url"], APP
    ),
    "schoolprivacy_recoverycode": {"digest": HASHED},
    "schoolprivacy_recoverycodes": {"name": APP},
    "schoolprivacy_school": {"brin": ORDINARY, "kind": APP, "name": ORDINARY},
    "schoolprivacy_submission": {"location": APP, "path": APP},
    "schoolprivacy_user": {"email": ORDINARY, "full_name": ORDINARY, "language": APP}
    | {"password": HASHED},
    "suppliers_breach": {"authority_reference": APP, "title": HANDLING}
    | dict.fromkeys(
        ["description", "not_notified_reason", "parents_not_informed_reason"], HANDLING
    ),
    "suppliers_breachwarning": {"kind": APP},
    "suppliers_fieldset": {"fields": APP, "not_shared": APP},
    "suppliers_privacydocument": {"kind": APP, "text": ORDINARY, "version": ORDINARY},
    "suppliers_processingactivity": dict.fromkeys(
        [
            "data_categories",
            "data_subjects",
            "legal_basis",
            "name",
            "purpose",
            "retention",
            "security_measures",
            "supplier_categories",
        ],
        ORDINARY,
    ),
    "suppliers_recipient": {"fields": APP, "legal_basis": ORDINARY, "name": ORDINARY},
    # Signing in through the board's provider: its settings (the secret and our SAML key are
    # encrypted; the metadata and our certificate are public), the provider's identifier of
    # a person, and what a sign-in gave and how it ended.
    "signin_externalidentity": {"subject": ORDINARY},
    "signin_identityprovider": dict.fromkeys(
        [
            "name",
            "protocol",
            "issuer",
            "client_id",
            "idp_metadata_url",
            "idp_metadata",
            "sp_certificate",
            "address_attribute",
            "mfa_contexts",
            "domains",
            "address_claim",
            "tenant_claim",
            "tenant",
        ],
        APP,
    ),
    "signin_providermfadevice": {"name": APP},
    "signin_signinattempt": {"email": ORDINARY, "subject": ORDINARY}
    | {"outcome": APP, "reason": APP},
    "suppliers_supplier": dict.fromkeys(
        [
            "agreement_model",
            "agreement_status",
            "category",
            "contact",
            "leaflet_version",
            "name",
            "privacy_leaflet_url",
            "processing_role",
            "security_measures",
            "storage_location",
            "sub_processors",
            "website",
        ],
        ORDINARY,
    )
    | {"agreement_document": FILE, "leaflet_document": FILE},
    "suppliers_supplierreminder": {"kind": APP},
    "sync_changenotice": {"fields": APP, "note": HANDLING, "receiver_name": APP}
    | {"status": APP, "subject": APP},
    "sync_columnmapping": {"columns": APP},
    "sync_importline": dict.fromkeys(["fields", "key", "kind", "message", "subject"], APP),
    "sync_importrun": dict.fromkeys(
        ["counts", "failure", "refused_reason", "source", "status"], APP
    ),
}


def encrypted_columns() -> set[str]:
    return {
        f"{model._meta.db_table}.{field.column}"
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if isinstance(field, EncryptedTextField)
    }


def text_columns() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND table_name NOT LIKE 'encryption_tests_%%'
               -- a partition's columns are its table's (the audit log's months)
               AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)
               AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',
                                 'bytea', 'ARRAY')
            """
        )
        return {name for (name,) in cursor.fetchall()}


def classified() -> set[str]:
    return {f"{table}.{column}" for table, columns in COLUMNS.items() for column in columns}


def test_every_text_column_is_classified():
    unclassified = sorted(text_columns() - encrypted_columns() - classified())
    assert unclassified == [], "classify these columns in tests/core/test_column_classes.py"


def test_the_classification_names_no_column_that_is_gone_or_encrypted():
    stale = sorted(classified() - (text_columns() - encrypted_columns()))
    assert stale == []


def test_special_category_columns_are_encrypted():
    encrypted = encrypted_columns()
    for column in (
        "pupils_specialrecord.content",
        "pupils_specialrecord.source_detail",
        "pupils_emergencyaccess.reason",
        "pupils_restrictedaccess.reason",
        "pupils_pupil.bsn",
        "schoolprivacy_authenticator.key",
    ):
        assert column in encrypted, column
