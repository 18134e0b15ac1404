"""The append-only audit log may also mask single fields, and still nothing else.

0005 let an erasure mask every value of an entry at once. A field found to hold a
special-category fact after it was logged in the clear (the break-glass reason, a
record's source: pupils/migrations/0012) must be masked on its own, keeping the other
values. Inside a transaction that set ``schoolprivacy.audit_scrub`` to 'on', an UPDATE
may now replace any value in ``changes`` by the mask, the object's name by '[erased]',
the change text by '' and the serialized data by nothing; every other column, the set
of fields, and every value it does not mask stay exactly as they were. A DELETE is
still refused, and no UPDATE can write a value that was not there.
"""

from django.db import migrations

ALLOW_MASKING = """
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
       AND (NEW.object_repr = OLD.object_repr OR NEW.object_repr = '[erased]')
       AND (NEW.changes_text = OLD.changes_text OR NEW.changes_text = '')
       AND (NEW.serialized_data IS NOT DISTINCT FROM OLD.serialized_data
            OR NEW.serialized_data IS NULL)
       AND (NEW.changes IS NOT DISTINCT FROM OLD.changes OR (
             jsonb_typeof(NEW.changes) = 'object' AND jsonb_typeof(OLD.changes) = 'object'
             AND (SELECT array_agg(key ORDER BY key) FROM jsonb_object_keys(OLD.changes) AS key)
               = (SELECT array_agg(key ORDER BY key) FROM jsonb_object_keys(NEW.changes) AS key)
             AND NOT EXISTS (
                 SELECT 1 FROM jsonb_each(NEW.changes) AS field
                  WHERE field.value <> OLD.changes -> field.key
                    AND field.value <> jsonb_build_array('••••••••', '••••••••')))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on auditlog_logentry refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def previous(apps, schema_editor):
    from importlib import import_module

    module = import_module("schoolprivacy.migrations.0005_audit_log_scrub_on_erasure")
    schema_editor.execute(module.FORBID)


class Migration(migrations.Migration):
    dependencies = [("schoolprivacy", "0009_plausible_text_and_dates")]

    operations = [
        migrations.RunSQL(ALLOW_MASKING, migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop, previous),
    ]
