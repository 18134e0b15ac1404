"""Every form a demo user reaches, sent twice at the same moment and once more as a replay.

One submission, one effect (schoolprivacy/submissions.py): each demo role walks the
site from its home page, and every POST form it finds is sent as it stands (its own
values) by two browsers at once with one submission key, then once more. For each form:
no answer is a server error, the three answers agree, a form that did something (a
redirect) ran its view once, and a form answered with itself (its errors) changed
nothing in the audit log.
"""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from demo import data
from schoolprivacy import submissions
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import User
from schoolprivacy.services import heartbeat_record
from tests.utils import post_at_once

#: Forms that end the session or set a cookie: nothing of anyone's data.
NOT_SENT = {"logout", "set_language"}
#: Pages a role opens at most, one of each route (enough to reach every form it has).
MAX_PAGES = 150


def forms_on(html: str, page: str):
    """(action, values) of every POST form on the page, with the values it would send."""
    for attributes, body in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, flags=re.S | re.I):
        if not re.search(r'method="post"', attributes, re.I):
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        values: dict[str, str] = {}
        for tag in re.findall(r"<input\b[^>]*>", body, flags=re.I):
            name, value = _attribute(tag, "name"), _attribute(tag, "value") or ""
            kind = (_attribute(tag, "type") or "text").lower()
            if not name or kind == "file":
                continue
            if kind in ("checkbox", "radio") and not re.search(r"\bchecked\b", tag):
                continue
            values.setdefault(name, value)
        for name, options in re.findall(
            r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, flags=re.S | re.I
        ):
            chosen = re.search(r'<option\b[^>]*value="([^"]*)"[^>]*\bselected\b', options)
            first = re.search(r'<option\b[^>]*value="([^"]*)"', options)
            values[name] = unescape((chosen or first)[1]) if (chosen or first) else ""
        for name, text in re.findall(
            r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, flags=re.S | re.I
        ):
            values[name] = unescape(text.strip())
        button = re.search(r"<button\b[^>]*>", body, flags=re.I)
        if button and _attribute(button[0], "name"):
            values[_attribute(button[0], "name")] = _attribute(button[0], "value") or ""
        yield unescape(action[1]) if action and action[1] else page, values


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return unescape(found[1]) if found else None


def reachable_forms(user) -> dict[str, tuple[str, dict]]:
    """The forms *user* finds by following links from the home page, one per kind of
    action (the action's path with its numbers left out)."""
    client = Client()
    client.force_login(user)
    queue, opened, forms = ["/"], set(), {}
    while queue and len(opened) < MAX_PAGES:
        path = queue.pop(0)
        try:
            route = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if route in opened or route.startswith("admin:") or route in NOT_SENT:
            continue
        opened.add(route)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        queue += [unescape(href) for href in re.findall(r'href="(/[^"#]*)"', html)]
        for action, values in forms_on(html, path):
            try:
                target = resolve(urlsplit(action).path).view_name
            except Resolver404:
                continue
            kind = re.sub(r"\d+", "N", urlsplit(action).path)
            if target not in NOT_SENT:
                forms.setdefault(kind, (action, values))
    return forms


def changes_in_the_audit_log() -> int:
    return AuditEntry.objects.exclude(action=AuditEntry.Action.ACCESS).count()


@pytest.mark.django_db(transaction=True)
def test_every_form_twice_at_once_has_one_effect_and_one_answer(demo, monkeypatch):
    heartbeat_record(name="beat")
    runs: list[str] = []
    claim = submissions.claim

    def counting_claim(user, key, path):
        claimed = claim(user, key, path)
        if claimed:
            runs.append(path)
        return claimed

    monkeypatch.setattr(submissions, "claim", counting_claim)
    staff = [email for email, *_ in data.STAFF]
    parents = [email for email, _ in data.PARENTS.values()][:2]
    sent = 0
    for email in [*staff, *parents]:
        user = User.objects.get(email=email)
        for kind, (action, values) in sorted(reachable_forms(user).items()):
            runs.clear()
            audit_before = changes_in_the_audit_log()
            answers = post_at_once(user, action, values)
            sent += 1
            statuses = [status for status, _ in answers]
            assert all(status < 500 for status in statuses), (email, kind, answers)
            assert len(set(answers)) == 1 or all(s == 200 for s in statuses), (
                email,
                kind,
                answers,
            )
            if statuses[0] in (301, 302, 303):
                assert len(runs) == 1, (email, kind, answers, runs)
            elif statuses[0] == 200:
                assert changes_in_the_audit_log() == audit_before, (email, kind, answers)
    assert sent > 50  # every role reached its forms
