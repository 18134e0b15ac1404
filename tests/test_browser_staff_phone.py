"""Every page a staff member reaches reads on a phone (360 px) as on a desktop (1280 px),
in Dutch and in English: nothing wider than the screen (no sideways scrolling), buttons
a thumb can hit on a phone (44 px high, the width of the column), labels that start with
a capital, and axe-core clean.

One demo account of each staff role, school and board: each finds their pages as they do,
from the overview, following every link, one page of each kind (a page per pupil is one
kind; tests/crawl.py).

On a phone a staff table is a stack of cards, as in the portal (static/css/app.css, "On a
phone"), not a table that scrolls inside a box of its own: the staff's tables are lists
of records (pupils, requests, suppliers, staff, decisions), read one record at a time on
a phone, and a card shows every column of its record, where a box that scrolls sideways
hides all but the first few.
"""

import pytest

from demo import data
from tests.crawl import PHONE, every_page, kind

pytestmark = pytest.mark.django_db(transaction=True)

#: The first demo account of each role (the technical admin only has /admin/, left out).
PEOPLE = {str(role): email for email, _, _, role in reversed(data.STAFF)}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_staff_page_reads_on_a_phone_and_a_desktop(browser, live_server, demo, who):
    # Buttons of 44 px are for a thumb: on a desktop a staff button may be lower.
    opened, problems = every_page(
        browser,
        live_server,
        PEOPLE[who],
        who,
        buttons=lambda width: width <= PHONE,
        pictures="staff-phone",
    )
    kinds = {language: {kind(path) for path in paths} for language, paths in opened.items()}
    assert len(kinds["nl"]) >= 4, f"{who}: only {opened['nl']}"
    assert kinds["en"] == kinds["nl"], f"{who}: other pages in English: {kinds}"
    assert problems == [], "\n".join(problems)
