"""Issue 6 in a real browser: a parent asks for a copy, a correction and a deletion; the
director handles them; the parent downloads the copy and sees the outcome; the suppliers
that receive the corrected field get their notice. Dutch, as the parents see it.

Uses the Chromium fixtures of tests/browser.py. Tasks run in the server's thread
(CELERY_TASK_ALWAYS_EAGER), so the copy is made and the notices are sent at once.
"""

import io
import re
import zipfile

import pytest
from django.core import mail
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from demo import data
from requests.models import DataRequest, RecipientNotice
from tests.browser import SCREENSHOTS, Words, log_in, log_out, menu, screenshot

pytestmark = pytest.mark.browser

PARENT = data.PARENTS["bakker"][0]
nl = Words("nl")
DIRECTOR = "directeur@regenboog.example"


def open_request(page, pupil: str, kind_label: str):
    row = page.get_by_role("row").filter(has_text=pupil).filter(has_text=kind_label)
    row.get_by_role("link").first.click()


def test_a_parent_asks_the_director_handles_and_the_parent_gets_the_answers(
    page, live_server, tmp_path
):
    # --- The parent asks for a copy, a correction and a deletion -----------------------
    log_in(page, live_server, PARENT)
    menu(page, "Mijn kinderen")
    page.get_by_role("link", name="Lotte Bakker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lotte Bakker")

    page.get_by_role("link", name=nl("Ask for a copy")).first.click()
    page.get_by_role("button", name=nl("Send the request")).click()
    expect(page.get_by_role("status")).to_contain_text(nl("The school answers by"))
    screenshot(page, "requests-parent-asked-copy")

    menu(page, "Mijn kinderen")
    page.get_by_role("link", name="Lotte Bakker").click()
    page.get_by_role("link", name=nl("Ask to correct the name")).click()
    page.get_by_label(nl("Which part is not right?")).select_option("last_name")
    page.get_by_role("button", name=nl("Choose")).click()
    page.get_by_label(nl("What is right"), exact=False).fill("Bakker-Jansen")
    page.get_by_label(nl("Your statement (optional)"), exact=False).fill(
        "Lotte heeft sinds de zomer een dubbele achternaam."
    )
    page.get_by_role("button", name=nl("Send the correction")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lotte Bakker")

    # The deletion of one old report: next to it, "ask to delete this".
    menu(page, "Mijn kinderen")
    page.get_by_role("link", name="Lotte Bakker").click()
    report = page.locator("article").filter(has_text="Verslag oudergesprek groep 4")
    report.get_by_role("link", name=nl("Ask to delete this")).click()
    expect(page.get_by_label(re.compile("Verslag oudergesprek groep 4"))).to_be_checked()
    page.get_by_role("button", name=nl("Send the request")).click()
    screenshot(page, "requests-parent-asked-deletion")
    assert DataRequest.objects.filter(pupil__first_name="Lotte").count() == 3
    log_out(page)

    # --- The director handles them ------------------------------------------------------
    log_in(page, live_server, DIRECTOR)
    menu(page, nl("Requests"))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Open requests"))
    screenshot(page, "requests-dashboard")
    with translation.override("nl"):
        kinds = {k: str(label) for k, label in DataRequest.Kind.choices}

    open_request(page, "Lotte Bakker", kinds["access"].capitalize())
    page.get_by_role("button", name=nl("Make the copy and send it to the parent's portal")).click()
    expect(page.get_by_role("status")).to_contain_text(
        nl("The copy is being made; the parent is told when it is ready.")
    )

    menu(page, nl("Requests"))
    open_request(page, "Lotte Bakker", kinds["rectification"].capitalize())
    expect(page.get_by_text("Bakker-Jansen").first).to_be_visible()
    page.get_by_label(nl("accept the correction")).check()
    page.get_by_role("button", name=nl("Save the decision")).click()
    notices = page.get_by_role("table").filter(has_text="ParnasSys")
    expect(notices).to_contain_text("Gynzy")
    expect(notices.get_by_role("row").filter(has_text="Gynzy")).to_contain_text(
        nl("sent by e-mail").capitalize()
    )
    screenshot(page, "requests-correction-notices")

    menu(page, nl("Requests"))
    open_request(page, "Lotte Bakker", kinds["erasure"].capitalize())
    page.get_by_label(capfirst(nl("delete")), exact=True).check()
    page.get_by_role("button", name=nl("Carry out the decision")).click()
    erasure_notices = page.get_by_role("table").filter(has_text="ParnasSys")
    expect(erasure_notices.get_by_role("row")).to_have_count(3)  # ParnasSys and OSO
    expect(page.get_by_role("status")).to_contain_text(
        nl("The decision has been carried out and the parent has been told.")
    )
    log_out(page)

    # The suppliers that receive the last name were told (Art. 19), by e-mail.
    told = {m.to[0] for m in mail.outbox if "AVG art. 19" in m.subject}
    assert {"privacy@gynzy.example", "privacy@parnassys.example"} <= told
    correction = DataRequest.objects.get(pupil__first_name="Lotte", kind="rectification")
    assert not RecipientNotice.objects.filter(
        request=correction, supplier__isnull=False, status="pending"
    ).exists()

    # --- The parent downloads the copy and sees the outcome -----------------------------
    log_in(page, live_server, PARENT)
    menu(page, nl("My requests"))
    page.get_by_role("link", name=re.compile(re.escape(kinds["access"]), re.I)).first.click()
    # She has just logged in again: the download starts at once (after some minutes she
    # would be asked for her password first).
    with page.expect_download() as download:
        page.get_by_role("link", name=nl("Download the copy (ZIP)")).click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    html = archive.read("copy.html").decode()
    copy_page = tmp_path / "copy.html"
    copy_page.write_text(html, encoding="utf-8")
    page.goto(copy_page.as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lotte")
    # Made again after the deletion (the first copy held the deleted report): what the
    # school holds now, the rest of the dossier without the one report.
    expect(page.get_by_text("Ernstige pinda-allergie", exact=False)).to_be_visible()
    expect(page.get_by_text("tafels van 6", exact=False).first).to_be_visible()
    expect(page.get_by_text("verhuizing", exact=False)).to_have_count(0)
    expect(page.get_by_role("heading", name="Wie heeft het dossier bekeken")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "requests-copy-html.png", full_page=True)

    page.goto(live_server.url + "/requests/mine/")
    page.get_by_role(
        "link", name=re.compile(re.escape(kinds["rectification"]), re.I)
    ).first.click()
    expect(page.get_by_role("cell", name=nl("accepted").capitalize())).to_be_visible()
    page.goto(live_server.url + "/requests/mine/")
    page.get_by_role("link", name=re.compile(re.escape(kinds["erasure"]), re.I)).first.click()
    expect(page.get_by_text(re.compile(nl("deleted")))).to_be_visible()
    screenshot(page, "requests-parent-outcome")
