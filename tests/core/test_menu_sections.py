"""The menu bar holds a few sections; on a page of a section its items are a row below the
bar (schoolprivacy/navigation.py). Every link of both answers the user who sees it."""

import re

import pytest
from django.urls import reverse

from demo import data
from schoolprivacy.models import User
from schoolprivacy.navigation import PUPILS, items_for, menu_of

pytestmark = pytest.mark.django_db

BAR = re.compile(r'<nav class="sp-nav"[^>]*>(.*?)</nav>', re.S)
SUB = re.compile(r'<nav class="sp-subnav" aria-label="([^"]*)">(.*?)</nav>', re.S)
LINK = re.compile(
    r'<a class="sp-(?:sub)?nav__link" href="([^"]+)"(?: aria-current="(\w+)")?>([^<]+)</a>'
)


def _menus(client, path):
    html = client.get(path).content.decode()
    bar = LINK.findall(BAR.search(html).group(1))
    sub = SUB.search(html)
    return bar, (sub.group(1), LINK.findall(sub.group(2))) if sub else None


def _user(email):
    return User.objects.get(email=email)


def test_the_directors_menu_is_a_few_sections_with_a_row_for_the_current_one(client, demo):
    director = _user("directeur@regenboog.example")
    client.force_login(director)
    bar, sub = _menus(client, reverse("pupils:list"))
    labels = [label for _, _, label in bar]
    assert len(labels) <= 8, labels
    assert labels[0] == "Overzicht" and labels[-1] == "Mijn account"
    assert ("/pupils/", "true", "Leerlingen") in bar  # the section of this page
    name, row = sub
    assert name == "Leerlingen"
    assert ("/pupils/", "page", "Leerlingen") in row
    assert {"Wie mag op de foto", "Noodlijsten", "Noodtoegang"} <= {label for *_, label in row}

    _bar, (name, row) = _menus(client, reverse("requests:dashboard"))
    assert name == "Verzoeken"
    assert {"Verzoeken", "Instellingen voor verzoeken"} <= {label for *_, label in row}

    # Every page the menu offers, in the bar and in every section's row, answers.
    for entry in menu_of(items_for(director)):
        for item in entry.get("children", [entry]):
            # (a page for one school sends the director of one school on to it)
            assert client.get(item["url"], follow=True).status_code == 200, item["url"]


def test_a_parent_has_no_sections_and_no_row(client, demo):
    email, _name = data.PARENTS["bakker"]
    client.force_login(_user(email))
    bar, sub = _menus(client, reverse("portal:home"))
    assert sub is None
    assert {"Mijn kinderen", "Mijn verzoeken"} <= {label for *_, label in bar}


def test_a_section_of_one_item_is_that_item():
    items = [
        {"label": "Overview", "url": "/", "current": False, "section": None},
        {"label": "Pupils", "url": "/pupils/", "current": True, "section": PUPILS},
    ]
    assert menu_of(items) == items
    two = [*items, {"label": "Sheets", "url": "/s/", "current": False, "section": PUPILS}]
    bar = menu_of(two)
    assert [entry["label"] for entry in bar] == ["Overview", PUPILS.label]
    assert bar[1]["current"] and [c["url"] for c in bar[1]["children"]] == ["/pupils/", "/s/"]
