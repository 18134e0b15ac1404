"""Follow every link a person can reach, one page of each kind, and audit each page as it
reads at the width of the browser: nothing wider than the screen, buttons a thumb can
hit, labels that start with a capital, and axe-core clean.

Used by the phone tests of the portal (tests/test_browser_phone.py) and of the staff
(tests/test_browser_staff_phone.py).
"""

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from demo import data
from tests.accessibility import AXE_SCRIPT, violations
from tests.browser import SCREENSHOTS, is_staff_login, open_login_page, second_step
from tests.utils import unwritten_labels

#: Links that fetch a file rather than a page (but the form to add a document is a page),
#: and the technical admin.
NOT_A_PAGE = re.compile(
    r"^/admin/|/(download|document|documents|scan|static|media|copy)/(?!new/)|[?&]format="
)

#: Whatever is wider than the screen, with what is wider: the page scrolls sideways. An
#: element, or a text wider than its element (a long word). What overflows inside a box
#: that clips or scrolls is the box's affair, reported only when nothing else is found.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  if (page <= width) return [];
  const boxed = el => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
    .map(el => [el, el.getBoundingClientRect().right, el.outerHTML]);
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(texts.currentNode);
    const right = range.getBoundingClientRect().right;
    const parent = texts.currentNode.parentElement;
    if (right > width + 1 && parent.getBoundingClientRect().right <= width + 1) {
      wide.push([parent, right, `text "${texts.currentNode.textContent.trim()}" in `
        + parent.outerHTML]);
    }
  }
  const unboxed = wide.filter(([el]) => !boxed(el));
  return (unboxed.length ? unboxed : wide).map(([, right, html]) =>
    `page ${page} px, ${Math.round(right)} px: ${html.slice(0, 120)}`);
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


def log_in(page: Page, live_server, email: str, language: str) -> None:
    """Log in (a staff member with the second step too), then speak *language* (the
    account remembers the last one chosen)."""
    open_login_page(page, live_server)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    if is_staff_login(email):
        second_step(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^(Welkom|Welcome)"))
    speak(page, language)


def speak(page: Page, language: str) -> None:
    """Choose *language* with the switch at the foot of the page, if it is not spoken."""
    if page.locator("html").get_attribute("lang") != language:
        name = {"nl": "Nederlands", "en": "English"}[language]
        page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def kind(path: str) -> str:
    """One page of each kind: /portal/child/12/ and /portal/child/13/ are one kind, as are
    the forms to delete each of a child's items (?item=test_result:141)."""
    return re.sub(r"\d+", "N", re.sub(r"[0-9a-f-]{32,36}", "U", path))


def links(page: Page, origin: str) -> list[str]:
    """The paths of the page's links in its content and its menus, files left out."""
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


def audit(page: Page, *, buttons: bool) -> list[str]:
    """What is wrong with the page as it is shown now; *buttons*: check their size."""
    phone = page.viewport_size is not None and page.viewport_size["width"] <= PHONE
    problems = [f"wider than the screen: {problem}" for problem in page.evaluate(TOO_WIDE)]
    if buttons:
        found = page.evaluate(SMALL_BUTTONS, phone)
        problems += [f"button too small: {problem}" for problem in found]
    problems += unwritten_labels(page.content())
    problems += violations(page)
    return problems


def photographs(page: Page, folder: Path) -> Callable[[str], None]:
    """What keeps a full-page screenshot in *folder* of a page, named by its kind, for
    people to look at."""
    folder.mkdir(parents=True, exist_ok=True)

    def photograph(path: str) -> None:
        name = re.sub(r"[^a-z0-9]+", "-", kind(path).lower()).strip("-") or "home"
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return photograph


#: A phone and a desktop. No script of the project looks at the width, so a page is loaded
#: once and read at both: the browser lays it out again for each.
PHONE, DESKTOP = 360, 1280


def crawl(
    page: Page,
    live_server,
    who: str,
    *,
    buttons: Callable[[int], bool],
    seen: Callable[[str], None],
) -> tuple[list[str], list[str]]:
    """Open the overview and follow every link, one page of each kind; every one must
    answer. Each page is audited on a phone and on a desktop (its buttons where
    *buttons* (the width) says so), and *seen* is called on it as a phone shows it. Answers
    the paths opened and the problems found, each named by *who*, the language, the width
    and the path."""
    language = page.locator("html").get_attribute("lang")
    queue, kinds, opened, problems = ["/"], set(), [], []
    while queue:
        path = queue.pop(0)
        if kind(path) in kinds:
            continue
        kinds.add(kind(path))
        response = page.goto(live_server.url + path)
        page.wait_for_load_state()
        assert response is not None and response.status == 200, (who, path)
        opened.append(path)
        for width in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": 800})
            where = f"{who} {language} {width} px {path}"
            found = audit(page, buttons=buttons(width))
            problems += [f"{where}: {problem}" for problem in found]
            if width == PHONE:
                seen(path)
        queue.extend(links(page, live_server.url))
    return opened, problems


def every_page(
    browser, live_server, email: str, who: str, *, buttons: Callable[[int], bool], pictures: str
) -> tuple[dict[str, list[str]], list[str]]:
    """Log in as *email* and crawl in Dutch, then in English, keeping screenshots of the
    phone in test-artifacts/screenshots/<pictures>-<who>-<language>/. Answers the paths
    opened in each language and the problems found."""
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.add_init_script(script=AXE_SCRIPT)
    log_in(page, live_server, email, "nl")
    opened, problems = {}, []
    for language in ("nl", "en"):
        page.goto(live_server.url + "/")
        speak(page, language)
        folder = SCREENSHOTS / f"{pictures}-{who}-{language}"
        seen = photographs(page, folder)
        opened[language], found = crawl(page, live_server, who, buttons=buttons, seen=seen)
        problems += found
    context.close()
    return opened, problems
