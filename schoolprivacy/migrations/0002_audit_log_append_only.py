"""The audit log is append-only, enforced by PostgreSQL itself.

An UPDATE or DELETE on auditlog_logentry is refused, with one exception: when
a user account is deleted, django-auditlog's actor foreign key is set to NULL
(ON DELETE SET NULL), and that single change is allowed so the entry stays.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION schoolprivacy_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on auditlog_logentry refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER auditlog_logentry_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION schoolprivacy_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS schoolprivacy_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("schoolprivacy", "0001_initial_users_boards_schools"),
        ("auditlog", "__latest__"),
    ]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
