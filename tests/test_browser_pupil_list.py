"""Issue 20, the pupil list's filters and order, in real headless Chromium, in Dutch and in
English, with axe-core on every page: the director of De Regenboog chooses a group and a
photo consent, sorts by name both ways, opens the group's class overview and clears the
filters."""

import re

import pytest
from playwright.sync_api import expect

from tests.accessibility import Journey
from tests.browser import Words, log_in, menu

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_director_filters_and_sorts_the_pupil_list(page, live_server, language):
    say = Words(language)
    journey = Journey(page, f"pupil-list-{language}")
    log_in(page, live_server, "directeur@regenboog.example", journey.check)
    journey.check("home")
    if language == "en":
        page.get_by_role("button", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    menu(page, say("Pupils"), journey.check)
    journey.check("list")

    page.get_by_label(say("Group"), exact=True).select_option(label="Groep 4")
    page.get_by_role("button", name=say("Search"), exact=True).click()
    expect(page.locator("tbody tr").first.locator("td").nth(1)).to_have_text("Groep 4")
    journey.check("group")

    page.get_by_role("columnheader", name=say("Name")).get_by_role("link").click()
    expect(page.get_by_role("columnheader", name=say("Name"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    journey.check("sorted-up")
    page.get_by_role("columnheader", name=say("Name")).get_by_role("link").click()
    expect(page.get_by_role("columnheader", name=say("Name"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("tbody tr").first.locator("td").nth(1)).to_have_text("Groep 4")
    journey.check("sorted-down")

    page.get_by_label(say("Photo consent")).select_option(index=2)  # no consent, 1st channel
    page.get_by_role("button", name=say("Search"), exact=True).click()
    expect(page.get_by_label(say("Photo consent"))).not_to_have_value("")
    expect(page.get_by_label(say("Group"), exact=True)).not_to_have_value("")
    journey.check("consent")

    main = page.get_by_role("main")
    main.get_by_role("link", name=re.compile(say("Who may be in the photo") + ":")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Groep 4")
    journey.check("class-overview")
    page.go_back()

    page.get_by_role("link", name=say("Clear filters")).click()
    expect(page.get_by_label(say("Group"), exact=True)).to_have_value("")
    expect(page.get_by_role("columnheader", name=say("Name"))).to_have_attribute(
        "aria-sort", "descending"
    )
    journey.check("cleared")

    page.goto(f"{live_server.url}/pupils/?group=abc&sort=bsn&page=x")
    expect(page.get_by_role("alert")).to_contain_text(
        say("This choice is not available: the list is shown without it.")
    )
    journey.check("bad-input")
    journey.finish()
