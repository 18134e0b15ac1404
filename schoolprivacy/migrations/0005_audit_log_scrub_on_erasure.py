"""The append-only audit log may mask the values of erased objects, and nothing else.

An erasure (GDPR Art. 17, or the retention sweep) removes a pupil's data from
every app; the audit log must keep the fact (who changed which field, when) but
not the data. So the trigger of 0002 now allows one more kind of UPDATE, only:

* inside a transaction that set ``schoolprivacy.audit_scrub`` to 'on';
* changing nothing but the value-bearing columns (changes, changes_text,
  object_repr, serialized_data): actor, time, action, object and address stay;
* to the masked form and no other: object_repr '[erased]', no change text, no
  serialized data, and every field in ``changes`` showing the mask twice.

So even a session that switches the setting on cannot write new history: it can
only take values out. A DELETE is still refused.
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
         = (to_jsonb(OLD) - 'changes' - 'changes_text' - 'object_repr' - 'serialized_data')
       AND NEW.object_repr = '[erased]'
       AND NEW.changes_text = ''
       AND NEW.serialized_data IS NULL
       AND (NEW.changes IS NULL OR jsonb_typeof(NEW.changes) <> 'object' OR NOT EXISTS (
             SELECT 1 FROM jsonb_each(NEW.changes) AS field
              WHERE field.value <> jsonb_build_array('••••••••', '••••••••')))
       AND (NEW.changes IS NULL OR jsonb_typeof(NEW.changes) = 'object'
            OR NEW.changes = OLD.changes)
       AND (OLD.changes IS NULL OR jsonb_typeof(OLD.changes) <> 'object'
            OR (SELECT coalesce(array_agg(key ORDER BY key), '{}') FROM jsonb_object_keys(OLD.changes) AS key)
             = (SELECT coalesce(array_agg(key ORDER BY key), '{}') FROM jsonb_object_keys(NEW.changes) AS key)) THEN
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
