"""Every page a parent or a pupil reaches reads on a phone (360 px) as on a desktop (1280 px),
in Dutch and in English: nothing wider than the screen (no sideways scrolling), buttons
a thumb can hit (44 px high, the width of the column on a phone), labels that start
with a capital, and axe-core clean.

Each person's pages are found the way they find them: from the overview, following every
link, one page of each kind (a page per child is one kind); every one of them answers
(tests/crawl.py).
"""

import pytest

from demo import data
from tests.crawl import every_page

pytestmark = pytest.mark.django_db(transaction=True)

#: The portal's people: a parent with authority (two children, two schools), a parent
#: with the information right only, and a pupil of 16 with an account of their own.
PEOPLE = {
    "parent": data.PARENTS["bakker"][0],
    "information-right": data.PARENTS["dekker_father"][0],
    "pupil": "leerling@horizon.example",
}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_portal_page_reads_on_a_phone_and_a_desktop(browser, live_server, demo, who):
    opened, problems = every_page(
        browser, live_server, PEOPLE[who], who, buttons=lambda width: True, pictures="phone"
    )
    assert all(len(paths) >= 4 for paths in opened.values()), f"{who}: only {opened}"
    assert problems == [], "\n".join(problems)
