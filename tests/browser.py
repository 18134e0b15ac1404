"""Real headless Chromium for browser tests, driven by Playwright (never a downloaded browser).

The fixtures (``browser``, ``page``) are made available to every test by
tests/conftest.py; the helpers log in, and keep screenshots for people to look at.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from demo import data

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

LAUNCH_ARGS = [
    "--no-sandbox",  # the suite runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium executable: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin."""
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        # An explicit path that does not exist is a configuration error, not a skip.
        assert Path(override).is_file(), f"CHROMIUM_PATH={override!r} is not a file"
        return override
    found = shutil.which("chromium")
    if found:
        return found
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    message = "No Chromium executable found (set CHROMIUM_PATH or install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        # CI (.ci/run) sets REQUIRE_BROWSER=1: there a missing browser is a failure.
        pytest.fail(message + "; REQUIRE_BROWSER=1 forbids skipping")
    pytest.skip(message)


@pytest.fixture(scope="module")
def _allow_async_unsafe():
    # Playwright's sync API runs an asyncio event loop in the test thread. Django
    # then sees a "running loop" and refuses synchronous ORM calls made in this
    # thread (the demo seeding, the transactional_db flush after each test) with
    # SynchronousOnlyOperation. The ORM calls here are plain synchronous ones,
    # so the check is a false alarm; switch it off for this module only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_allow_async_unsafe):
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, demo):
    # An English browser on purpose: the interface is Dutch whatever the browser
    # asks for, until the visitor chooses English with the language switch.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def login_url(live_server) -> re.Pattern:
    return re.compile(re.escape(live_server.url) + r"/account/login/(\?.*)?$")


def open_login_page(page: Page, live_server) -> None:
    """Open the site root as an anonymous visitor and land on the Dutch login page."""
    page.goto(live_server.url + "/")
    expect(page).to_have_url(login_url(live_server))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1, name="Inloggen", exact=True)).to_be_visible()


def screenshot(page: Page, email: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"overview-{email}.png", full_page=True)


def second_step(page: Page, email: str, check=None) -> None:
    """Staff: type the code of the demo authenticator, as they would from their phone.

    *check*, if given, is called with a name for the page once it is shown (an audit)."""
    from schoolprivacy.models import User
    from tests.twostep import authenticator_of, code_for

    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie")
    if check is not None:
        check("two-step")
    device = authenticator_of(User.objects.get(email=email))
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Doorgaan", exact=True).click()


def is_staff_login(email: str) -> bool:
    return email == data.TECHNICAL_ADMIN[0] or any(email == s[0] for s in data.STAFF)


def log_in(page: Page, live_server, email: str, check=None) -> None:
    open_login_page(page, live_server)
    if check is not None:
        check("login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    if is_staff_login(email):
        second_step(page, email, check)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welkom"))


class Words:
    """The interface's words in one language: ``say("My children")`` is "Mijn kinderen" in
    Dutch. The journeys are written with the English source strings, so that one journey
    runs in both languages; a string without a Dutch translation fails the test."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, text: str) -> str:
        from django.utils import translation
        from django.utils.translation import gettext

        with translation.override(self.language):
            translated = gettext(text)
        if self.language == "nl":
            assert translated != text, f"no Dutch for {text!r}"
        return translated


def menu(page: Page, label: str, check=None) -> None:
    """Open the menu item *label*, as a user does: in the menu bar, or, for an item of a
    section (schoolprivacy/navigation.py), the section in the bar and then the item in the
    row below it. *check*, if given, is called on the section's page on the way (an
    audit: a journey audits every page it opens)."""
    bar = page.get_by_role("navigation", name=re.compile("^(Hoofdmenu|Main menu)$"))
    link = bar.get_by_role("link", name=label, exact=True)
    if link.count() == 0:
        section = _section_of(label, page.locator("html").get_attribute("lang") or "nl")
        bar.get_by_role("link", name=section, exact=True).click()
        page.wait_for_load_state()
        if check is not None:
            check("menu-section")
        link = page.get_by_role("navigation", name=section).get_by_role(
            "link", name=label, exact=True
        )
    link.click()


def _section_of(label: str, language: str) -> str:
    from django.utils import translation

    from schoolprivacy import navigation

    with translation.override(language):
        for item in navigation._items:
            if item.section is not None and str(item.label) == label:
                return str(item.section.label)
    raise AssertionError(f"{label!r} is not in the menu")


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^(Uitloggen|Log out)$")).click()


def tab_to(page: Page, target, limit: int = 120) -> None:
    """Press Tab until *target* has the focus, as someone with only a keyboard reaches it."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def type_into(page: Page, target, text: str) -> None:
    """Reach *target* with Tab and type *text* into it, key by key."""
    tab_to(page, target)
    page.keyboard.type(text)
