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


def post_at_once(user, url: str, data: dict, *, times: int = 2) -> list[tuple[int, str | None]]:
    """Post *data* to *url* as *user* from *times* browsers at the same moment, with one
    submission key (a double click), then once more as a replay; the answers in order
    (status, Location), the replay's last."""
    import threading
    import uuid

    from django.test import Client

    from schoolprivacy import submissions

    key, answers = str(uuid.uuid4()), []
    barrier = threading.Barrier(times)

    def post(wait: bool) -> None:
        client = Client()
        client.force_login(user)
        try:
            if wait:
                barrier.wait()
            response = client.post(url, {**data, submissions.FIELD: key})
            answers.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(True,)) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    post(False)
    return answers


def post_forms_without_key(html: str) -> list[str]:
    """The start of every POST form on the page that carries no submission key."""
    import re

    missing = []
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S | re.I):
        if re.search(r'method="post"', form, re.I) and 'name="submission"' not in form:
            missing.append(form[:160])
    return missing


def unwritten_labels(html: str) -> list[str]:
    """Labels, headers and terms that do not start as Dutch and English write them: with a
    capital (a digit or a sign is fine), and never with a space before a colon."""
    import re
    from html import unescape

    wrong = []
    for tag in ("label", "legend", "th", "dt", "h1", "h2", "h3"):
        for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S | re.I):
            text = " ".join(unescape(re.sub(r"<[^>]+>", " ", inner)).split())
            if text[:1].islower():
                wrong.append(f"<{tag}> {text[:80]}")
    # Text tags (<strong>2026</strong>: late) join the words around them; others part them.
    body = re.sub(
        r"</?(strong|em|b|i|span|a|abbr|time|code)\b[^>]*>", "", html.split("<body", 1)[-1]
    )
    body = unescape(re.sub(r"<[^>]+>", " ", body))
    for before in re.findall(r"\w \s*:(?=\s)", body):
        wrong.append(f"space before a colon: {before!r}")
    return wrong
