"""Helpers shared by tests that start real processes."""

from urllib.parse import quote

from django.db import connection


def database_url_of_the_test_database() -> str:
    """A DATABASE_URL for the test database that pytest-django created, for a subprocess."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def password_just_confirmed(client) -> None:
    """As if the user typed the password again a moment ago (before an export, a deletion)."""
    import time

    from schoolprivacy.reauth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = int(time.time())
    session.save()
