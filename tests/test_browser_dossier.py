"""Issue 16 in real headless Chromium, in Dutch and in English, with axe-core on every page.

The teacher corrects an agreement and the parent sees it was changed; the care coordinator
ends a medication and attaches the new protocol; a teacher opens the class emergency sheet
and prints it.
"""

import re

import pytest
from playwright.sync_api import expect

from pupils.models import Agreement, Attachment, Pupil, SpecialRecord
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import User
from tests import documents
from tests.accessibility import Journey
from tests.browser import Words, log_in, log_out, menu

pytestmark = pytest.mark.browser

PDF = documents.pdf()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _choose(page, language: str, journey) -> None:
    journey.check("home")
    if language == "en":
        page.get_by_role("button", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def _start(page, live_server, language: str, name: str, email: str, pupil: str = ""):
    """Log *email* in, in *language*; open *pupil*'s page if named. (say, journey)"""
    say = Words(language)
    journey = Journey(page, f"dossier-{name}-{language}")
    log_in(page, live_server, email, journey.check)
    _choose(page, language, journey)
    if pupil:
        _open_pupil(page, say, pupil, journey)
        journey.check("pupil")
    return say, journey


def _open_pupil(page, say, name: str, journey) -> None:
    menu(page, say("Pupils"))
    journey.check("pupils")
    page.get_by_label(say("Search by name")).fill(name.split()[0])
    page.get_by_role("button", name=say("Search"), exact=True).click()
    expect(page.get_by_role("link", name=re.compile(name)).first).to_be_visible()
    journey.check("search")
    page.get_by_role("link", name=re.compile(name)).first.click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_teacher_corrects_an_agreement_and_the_parent_sees_it_changed(
    page, live_server, language
):
    say, journey = _start(
        page, live_server, language, "correct", "leerkracht@regenboog.example", "Lotte Bakker"
    )
    page.get_by_role("link", name=say("Open: versions, correct, documents")).first.click()
    journey.check("entry")
    page.get_by_role("link", name=say("Correct"), exact=True).click()
    journey.check("correct")
    page.get_by_label(_cap(say("what was agreed"))).fill(
        "Lotte oefent thuis drie keer per week met de tafels van 6 tot en met 9."
    )
    page.get_by_label(say("Why are you correcting it?")).fill("Afgesproken was drie keer.")
    page.get_by_role("button", name=say("Save the correction")).click()
    expect(page.get_by_text(say("Corrected. The earlier version is kept."))).to_be_visible()
    expect(page.get_by_text(say("Version %(n)s") % {"n": 1})).to_be_visible()
    journey.check("corrected")
    agreement = Agreement.objects.get(pupil__first_name="Lotte", pupil__last_name="Bakker")
    assert agreement.version == 2 and "drie keer" in agreement.agreement
    log_out(page)
    journey.check("logged-out")
    page.context.clear_cookies()  # the next person at this computer starts in Dutch

    log_in(page, live_server, "ouder@ouders.example", journey.check)
    _choose(page, language, journey)
    menu(page, say("My children"))
    journey.check("portal")
    page.get_by_role("link", name=re.compile("Lotte Bakker")).first.click()
    expect(page.get_by_text("drie keer per week")).to_be_visible()
    changed = say("Changed on %(when)s by %(who)s").split("%(when)s")[0].strip()
    teacher = User.objects.get(email="leerkracht@regenboog.example").full_name
    expect(page.get_by_text(re.compile(f"{changed} .* {re.escape(teacher)}"))).to_be_visible()
    journey.check("portal-child")
    journey.finish()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_care_coordinator_ends_a_medication_and_attaches_the_new_protocol(
    page, live_server, language
):
    say, journey = _start(
        page, live_server, language, "records", "ib@horizon.example", "Daan Bakker"
    )
    page.get_by_role("link", name=say("Special-category data (medical and other)")).click()
    journey.check("special")
    medication = page.locator("article", has_text="Depakine")
    medication.get_by_role("link", name=say("End"), exact=True).click()
    journey.check("end")
    page.get_by_label(say("Why does it end?")).fill("Gestopt op advies van de kinderneuroloog.")
    page.get_by_role("button", name=say("End the record")).click()
    ended = say("ended on %(date)s").split("%(date)s")[0].strip()
    expect(page.locator("article", has_text="Depakine")).to_contain_text(ended)
    journey.check("ended")
    daan = Pupil.objects.get(first_name="Daan", last_name="Bakker")
    assert SpecialRecord.objects.get(pupil=daan, kind="medication").ended

    protocol = page.locator("article", has_text="midazolam")
    protocol.get_by_role("link", name=say("Attach a document")).click()
    journey.check("attach")
    page.get_by_label(say("What is this document?")).fill("Nieuw protocol, getekend")
    page.get_by_label(say("File")).set_input_files(
        {"name": "scan van Daan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name=say("Attach"), exact=True).click()
    link = page.locator("article", has_text="midazolam").get_by_role(
        "link", name="Nieuw protocol, getekend"
    )
    expect(link).to_be_visible()
    journey.check("attached")
    with page.expect_download() as download:
        link.click()
    name = download.value.suggested_filename
    assert name.startswith("document-") and name.endswith(".pdf") and "Daan" not in name
    assert Attachment.objects.filter(pupil=daan).count() == 2  # the demo's and this one
    journey.finish()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_teacher_opens_the_class_emergency_sheet_and_prints_it(page, live_server, language):
    say, journey = _start(page, live_server, language, "sheet", "leerkracht@horizon.example")
    menu(page, say("Emergency sheets"), check=journey.check)
    journey.check("sheets")
    daan = Pupil.objects.select_related("group").get(first_name="Daan", last_name="Bakker")
    page.get_by_role("link", name=daan.group.name, exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Daan Bakker"))).to_contain_text("06-55667788")
    expect(page.get_by_role("row", name=re.compile("Daan Bakker"))).to_contain_text("midazolam")
    expect(page.get_by_text(say("Confidential")).first).to_be_visible()
    cupboard = say(
        "Keep the print in the locked cupboard of the classroom, and destroy the previous "
        "print. Do not take it home and do not leave it on the desk. This sheet replaces the "
        "paper lists; print a new one when something changes."
    )
    expect(page.get_by_text(cupboard)).to_be_visible()
    journey.check("sheet")
    # Headless Chromium has no printer: the button's call is counted, and the page is then
    # printed to a PDF the way the print dialog would, on A4 with the print styles.
    page.evaluate("window.printed = 0; window.print = () => { window.printed += 1; }")
    page.get_by_role("button", name=say("Print"), exact=True).click()
    assert page.evaluate("window.printed") >= 1  # the button asked the browser to print
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name=say("Print"), exact=True)).to_be_hidden()
    expect(page.get_by_text(say("Confidential")).first).to_be_visible()
    printed = page.pdf(format="A4", prefer_css_page_size=True)
    assert printed.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[0 0 59[45]\.?\d* 84[12]", printed)  # A4, in points
    teacher = User.objects.get(email="leerkracht@horizon.example")
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCESS, actor=teacher, object_pk=str(daan.group_id)
    ).exists()
    page.emulate_media(media="screen")
    journey.finish()
