"""Browser smoke test: log in and out in real headless Chromium, in Dutch and English.

Drives the system's Chromium through Playwright's sync API against pytest-django's
``live_server``, seeded with the demo board (``demo`` fixture). Never downloads a
browser: the test is skipped only when no Chromium executable is found (override
the path with ``CHROMIUM_PATH``), and fails instead when ``REQUIRE_BROWSER=1``.
Screenshots of every overview page go to ``test-artifacts/screenshots/``.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from demo import data
from schoolprivacy.forms import LoginForm
from schoolprivacy.models import BoardRole, Role
from tests.browser import (
    is_staff_login,
    login_url,
    open_login_page,
    screenshot,
    second_step,
)

pytestmark = pytest.mark.browser

# The Dutch role labels as the overview shows them (capitalised by the template).
DUTCH_ROLE_LABELS = {
    Role.DIRECTOR: "Directeur",
    Role.TEAM_LEADER: "Teamleider",
    Role.CARE_COORDINATOR: "Intern begeleider",
    Role.TEACHER: "Leerkracht",
    Role.ADMINISTRATOR: "Beheerder",
    BoardRole.PRIVACY_OFFICER: "Privacycontactpersoon",
    BoardRole.BOARD_ADMINISTRATOR: "Bestuursbeheerder",
}

SCHOOL_NAMES = {spec["key"]: spec["name"] for spec in data.SCHOOLS}

# Every demo login: (e-mail, full name, Dutch role label or None, where the role holds).
LOGINS = [
    (email, name, DUTCH_ROLE_LABELS[role], SCHOOL_NAMES.get(school, data.BOARD["name"]))
    for email, name, school, role in data.STAFF
]
LOGINS += [(email, name, None, None) for email, name in data.PARENTS.values()]
LOGINS += [(*data.TECHNICAL_ADMIN, None, None)]

PARENT_EMAIL, PARENT_NAME = data.PARENTS["bakker"]
STAFF_EMAIL = data.STAFF[1][0]


@pytest.mark.parametrize(
    ("email", "name", "role_label", "where"), LOGINS, ids=[login[0] for login in LOGINS]
)
def test_every_demo_login_logs_in_and_out(page, live_server, email, name, role_label, where):
    open_login_page(page, live_server)

    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    if is_staff_login(email):
        second_step(page, email)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    first_name = name.split(" ")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Welkom, " + re.escape(first_name) + "$")
    )
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="Overzicht", exact=True)).to_be_visible()
    if role_label is not None:
        roles = page.get_by_role("main").get_by_role("listitem")
        expect(roles.filter(has_text=f"{role_label} – {where}")).to_be_visible()
        expect(page.get_by_role("main").get_by_text(role_label, exact=True)).to_be_visible()
    screenshot(page, email)

    page.get_by_role("button", name="Uitloggen", exact=True).click()

    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_role("heading", level=1, name="Inloggen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_language_switch(page, live_server):
    open_login_page(page, live_server)

    page.get_by_role("button", name="English", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1, name="Log in", exact=True)).to_be_visible()
    page.get_by_label("E-mail address").fill(PARENT_EMAIL)
    page.get_by_label("Password").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome"))
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Overview", exact=True)).to_be_visible()

    page.get_by_role("button", name="Nederlands", exact=True).click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welkom"))
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="Overzicht", exact=True)).to_be_visible()


def test_wrong_password_shows_the_dutch_error(page, live_server):
    message = LoginForm.error_messages["invalid_login"]
    with translation.override("en"):
        english = str(message)
    with translation.override("nl"):
        dutch = str(message)
    assert dutch != english, "the login error has no Dutch translation (compiletranslations?)"
    open_login_page(page, live_server)

    page.get_by_label("E-mailadres").fill(STAFF_EMAIL)
    page.get_by_label("Wachtwoord").fill(data.DEMO_PASSWORD + "-wrong")
    page.get_by_role("button", name="Inloggen", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(dutch)
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_role("heading", level=1, name="Inloggen", exact=True)).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_value(STAFF_EMAIL)
    expect(page.get_by_label("Wachtwoord")).to_have_value("")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_login_with_the_keyboard_alone(page, live_server):
    open_login_page(page, live_server)
    email = page.get_by_label("E-mailadres")
    password = page.get_by_label("Wachtwoord")

    email.focus()
    expect(email).to_be_focused()
    page.keyboard.type(PARENT_EMAIL)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(data.DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Welkom, " + PARENT_NAME.split(" ")[0]
    )


# The journeys of the parent, teacher, director and administrator, with the accessibility
# audit of every page they open, are in tests/test_journeys.py.
