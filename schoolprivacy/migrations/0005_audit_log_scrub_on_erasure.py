"""The append-only audit log may mask the values of erased objects, and nothing else.

An erasure (GDPR Art. 17, or the retention sweep) removes a pupil's data from
every app; the audit log must keep the fact (who changed which field, when) but
not the data. So the trigger of 0002 now allows one more kind of UPDATE: inside a
transaction that set ``schoolprivacy.audit_scrub`` to 'on', and changing only
the value-bearing columns (changes, changes_text, object_repr, serialized_data).
Everything else (actor, time, action, object, remote address) stays untouchable,
and a DELETE is still refused.
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
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('schoolprivacy.audit_scrub', true), '') = 'on'
       AND (to_jsonb(NEW) - 'changes' - 'changes_text' - 'object_repr' - 'serialized_data')
         = (to_jsonb(OLD) - 'changes' - 'changes_text' - 'object_repr' - 'serialized_data') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on auditlog_logentry refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
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
"""


class Migration(migrations.Migration):
    dependencies = [("schoolprivacy", "0004_notice_mail_outbox")]

    operations = [migrations.RunSQL(FORBID, PREVIOUS)]
