"""Every page a parent or a pupil reaches reads on a phone (360 px) as on a desktop (1280 px),
in Dutch and in English: nothing wider than the screen (no sideways scrolling), buttons
a thumb can hit (44 px high, the width of the column on a phone), labels that start
with a capital, and axe-core clean.

Each person's pages are found the way they find them: from the overview, following every
link, one page of each kind (a page per child is one kind); every one of them answers.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from demo import data
from tests.accessibility import AXE_SCRIPT, violations
from tests.browser import SCREENSHOTS, open_login_page
from tests.utils import unwritten_labels

pytestmark = pytest.mark.django_db(transaction=True)

#: The portal's people: a parent with authority (two children, two schools), a parent
#: with the information right only, and a pupil of 16 with an account of their own.
PEOPLE = {
    "parent": data.PARENTS["bakker"][0],
    "information-right": data.PARENTS["dekker_father"][0],
    "pupil": "leerling@horizon.example",
}

#: Links that fetch a file rather than a page, and the technical admin.
NOT_A_PAGE = re.compile(r"^/admin/|/(download|document|documents|scan|static|media)/|[?&]format=")

#: Whatever is wider than the screen, with what is wider: the page scrolls sideways.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
    .map(el => `${Math.round(el.getBoundingClientRect().right)} px: `
      + el.outerHTML.slice(0, 120));
}"""

#: Buttons a thumb misses: lower than 44 px, or on a phone narrower than their column.
SMALL_BUTTONS = """(phone) => [...document.querySelectorAll(
    'main button, main input[type=submit], main .utrecht-button')]
  .filter(el => el.offsetParent !== null)
  .filter(el => {
    const box = el.getBoundingClientRect();
    const column = el.closest('form, .utrecht-button-group, main').getBoundingClientRect();
    return box.height < 44 || (phone && box.width < column.width * 0.9);
  })
  .map(el => `${Math.round(el.getBoundingClientRect().width)}x`
    + `${Math.round(el.getBoundingClientRect().height)} px: ${el.outerHTML.slice(0, 120)}`)"""


def _log_in(page, live_server, email: str, language: str) -> None:
    """Log in, then speak *language* (the account remembers the last one chosen)."""
    open_login_page(page, live_server)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^(Welkom|Welcome)"))
    if page.locator("html").get_attribute("lang") != language:
        name = {"nl": "Nederlands", "en": "English"}[language]
        page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _kind(path: str) -> str:
    """One page of each kind: /portal/child/12/ and /portal/child/13/ are one kind, as are
    the forms to delete each of a child's items (?item=test_result:141)."""
    return re.sub(r"\d+", "N", re.sub(r"[0-9a-f-]{32,36}", "U", path))


def _portal_links(page, origin: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all(
        "main a[href], nav a[href]", "as => as.map(a => a.href)"
    ):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not NOT_A_PAGE.search(path):
            found.append(path)
    return found


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_portal_page_reads_on_a_phone_and_a_desktop(browser, live_server, demo, who):
    email = PEOPLE[who]
    problems: list[str] = []
    visited = 0
    for language in ("nl", "en"):
        for width in (360, 1280):
            context = browser.new_context(viewport={"width": width, "height": 800})
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.add_init_script(script=AXE_SCRIPT)
            _log_in(page, live_server, email, language)
            queue, kinds = ["/"], set()
            while queue:
                path = queue.pop(0)
                if _kind(path) in kinds:
                    continue
                kinds.add(_kind(path))
                response = page.goto(live_server.url + path)
                page.wait_for_load_state()
                assert response is not None and response.status == 200, (who, path)
                visited += 1
                where = f"{who} {language} {width} px {path}"
                for problem in page.evaluate(TOO_WIDE):
                    problems.append(f"{where}: wider than the screen: {problem}")
                for problem in page.evaluate(SMALL_BUTTONS, width < 600):
                    problems.append(f"{where}: button too small: {problem}")
                for problem in unwritten_labels(page.content()):
                    problems.append(f"{where}: {problem}")
                for problem in violations(page):
                    problems.append(f"{where}: {problem}")
                if width == 360:
                    folder = SCREENSHOTS / f"phone-{who}-{language}"
                    folder.mkdir(parents=True, exist_ok=True)
                    name = re.sub(r"[^a-z0-9]+", "-", _kind(path)).strip("-") or "home"
                    page.screenshot(path=folder / f"{name}.png", full_page=True)
                queue.extend(_portal_links(page, live_server.url))
            context.close()
    assert visited >= 4 * 4, f"{who}: only {visited} pages found"
    assert problems == [], "\n".join(problems)
