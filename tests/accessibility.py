"""axe-core in the browser tests: no serious or critical WCAG 2.1 AA violation on any page.

axe-core's script comes from the ``axe-playwright-python`` wheel (PyPI, so no npm in
CI); only the script is used. It is added as an init script, which the browser runs
outside the page's Content-Security-Policy, so the policy stays as strict as in
production.

A :class:`Journey` follows one page through a user's journey: every page the user opens
is recorded, :meth:`Journey.check` audits the page as it is now and keeps a screenshot
of it, and :meth:`Journey.finish` fails when a page was opened and never audited, or
when an audit found a serious or critical violation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page

from tests.browser import SCREENSHOTS

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()

# WCAG 2.1 level A and AA, which Dutch public schools must meet.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}

# Every visible control of the page must be reachable with the Tab key (WCAG 2.1.1):
# none taken out of the tab order, none that only a mouse can reach.
UNREACHABLE = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href], summary, [onclick]')]
  .filter(el => el.offsetParent !== null && !el.disabled && el.tabIndex < 0)
  .map(el => el.outerHTML.slice(0, 160))"""


def violations(page: Page) -> list[str]:
    """The serious and critical axe-core violations on *page*, one line per element."""
    result = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{violation['impact']} {violation['id']} ({violation['help']}): "
                f"{' '.join(node['target'])} {node['html'][:160]}"
            )
    for html in page.evaluate(UNREACHABLE):
        found.append(f"not reachable with the keyboard: {html}")
    return found


class Journey:
    """Audits and photographs the pages of one journey; see the module docstring."""

    def __init__(self, page: Page, name: str):
        self.page = page
        self.name = name
        self.opened: list[str] = []
        self.audited: set[str] = set()
        self.problems: list[str] = []
        self.shots = 0
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)  # only this run's pictures
        self.folder.mkdir(parents=True)
        page.add_init_script(script=AXE_SCRIPT)
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame and frame.url != "about:blank":
            self.opened.append(frame.url)

    def check(self, label: str) -> None:
        """Audit the page as it is shown now, and keep a screenshot called *label*."""
        page = self.page
        page.wait_for_load_state()
        try:
            found = violations(page)
        except PlaywrightError as error:
            # A click just before may still be navigating: audit the page it arrives at.
            if "context was destroyed" not in str(error):
                raise
            page.wait_for_load_state()
            found = violations(page)
        for problem in found:
            self.problems.append(f"{label} ({page.url}): {problem}")
        self.audited.add(page.url)
        self.shots += 1
        page.screenshot(path=self.folder / f"{self.shots:02d}-{label}.png", full_page=True)

    def finish(self) -> None:
        unaudited = [url for url in dict.fromkeys(self.opened) if url not in self.audited]
        assert not self.problems, "axe-core found:\n" + "\n".join(self.problems)
        assert not unaudited, "pages opened but never audited:\n" + "\n".join(unaudited)
        assert self.audited, "the journey audited no page"
