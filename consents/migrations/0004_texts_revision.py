"""A revision of the consent texts, kept by PostgreSQL itself.

Every statement that changes a purpose, a text version or the schools of a purpose
sets the one row of consents_textsrevision (id 1) to a new random token, in the same
transaction. Whoever writes (a service, the admin, a data load) cannot forget it, and
no two states of the texts share a token: not after a rollback (a number from a
sequence would do for that), nor after a restore from a backup (it would not).
"""

from django.db import migrations, models

KEEP = """
CREATE OR REPLACE FUNCTION consents_texts_changed() RETURNS trigger AS $$
BEGIN
    -- The one row, made again if it was emptied (a test database is flushed).
    INSERT INTO consents_textsrevision (id, revision)
        VALUES (1, gen_random_uuid())
        ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
INSERT INTO consents_textsrevision (id, revision) VALUES (1, gen_random_uuid());

CREATE TRIGGER consents_purpose_texts_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consents_purpose
    FOR EACH STATEMENT EXECUTE FUNCTION consents_texts_changed();
CREATE TRIGGER consents_purposeversion_texts_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consents_purposeversion
    FOR EACH STATEMENT EXECUTE FUNCTION consents_texts_changed();
CREATE TRIGGER consents_purpose_schools_texts_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON consents_purpose_schools
    FOR EACH STATEMENT EXECUTE FUNCTION consents_texts_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS consents_purpose_texts_changed ON consents_purpose;
DROP TRIGGER IF EXISTS consents_purposeversion_texts_changed ON consents_purposeversion;
DROP TRIGGER IF EXISTS consents_purpose_schools_texts_changed ON consents_purpose_schools;
DROP FUNCTION IF EXISTS consents_texts_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0003_decision_form_scan"),
    ]

    operations = [
        migrations.CreateModel(
            name="TextsRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("revision", models.UUIDField(verbose_name="revision")),
            ],
            options={
                "verbose_name": "revision of the consent texts",
            },
        ),
        migrations.RunSQL(KEEP, DROP),
    ]
