"""Issue 14 in real headless Chromium, in Dutch and in English, with axe-core on every page.

The parent asks to delete one old report; the director deletes it and keeps the rest;
only the suppliers that received reports are told. During an objection the teacher still
opens the epilepsy protocol, behind a "restricted" banner and a reason that is logged.
The pupil of 16+ uses a portal of their own.
"""

import re

import pytest
from django.core import mail
from django.utils.text import capfirst
from playwright.sync_api import expect

from demo import data
from pupils.models import Agreement, Note, Pupil, RestrictedAccess, SpecialRecord
from requests import services as request_services
from requests.models import DataRequest, RecipientNotice
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import User
from tests.accessibility import Journey
from tests.browser import Words, log_in, log_out, menu

pytestmark = pytest.mark.browser

PARENT = data.PARENTS["bakker"][0]
DIRECTOR = "directeur@regenboog.example"
HORIZON_TEACHER = "leerkracht@horizon.example"
PUPIL = "leerling@horizon.example"
OLD_REPORT = "Verslag oudergesprek groep 4"


def english(page, journey, label):
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    journey.check(label)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_parent_deletes_one_report_and_only_its_recipients_are_told(
    page, live_server, language
):
    say = Words(language)
    journey = Journey(page, f"rights-erasure-{language}")
    lotte = Pupil.objects.get(first_name="Lotte", last_name="Bakker")
    kept = {
        "agreements": Agreement.objects.filter(pupil=lotte).count(),
        "notes": Note.objects.filter(pupil=lotte).count() - 1,
        "special": SpecialRecord.objects.filter(pupil=lotte).count(),
    }
    report = Note.objects.get(pupil=lotte, title=OLD_REPORT)

    log_in(page, live_server, PARENT, journey.check)
    journey.check("home")
    if language == "en":
        english(page, journey, "home-english")
    menu(page, say("My children"))
    journey.check("children")
    page.get_by_role("link", name="Lotte Bakker").click()
    journey.check("child")
    page.locator("article").filter(has_text=OLD_REPORT).get_by_role(
        "link", name=say("Ask to delete this")
    ).click()
    journey.check("ask")
    expect(page.get_by_label(re.compile(re.escape(OLD_REPORT)))).to_be_checked()
    page.get_by_role("button", name=say("Send the request")).click()
    received = say("Your request has been received. The school answers by %(due)s at the latest.")
    expect(page.get_by_role("status")).to_contain_text(received.split("%(due)s")[0].strip())
    journey.check("asked")
    request = DataRequest.objects.get(pupil=lotte, kind=DataRequest.Kind.ERASURE)
    assert list(request.erasure_items.values_list("key", flat=True)) == [f"note:{report.pk}"]
    log_out(page)
    journey.check("logged-out")
    page.context.clear_cookies()  # the next person starts in Dutch

    log_in(page, live_server, DIRECTOR, journey.check)
    journey.check("home-director")
    if language == "en":
        english(page, journey, "director-english")
    menu(page, say("Requests"))
    journey.check("requests")
    page.get_by_role("row").filter(has_text="Lotte Bakker").get_by_role("link").first.click()
    journey.check("request")
    expect(
        page.get_by_role("heading", name=say("What the parent asked to delete"))
    ).to_be_visible()
    mail.outbox.clear()
    page.get_by_label(capfirst(say("delete")), exact=True).check()
    page.get_by_role("button", name=say("Carry out the decision")).click()
    expect(page.get_by_role("status")).to_contain_text(
        say("The decision has been carried out and the parent has been told.")
    )
    journey.check("decided")

    # Only the report went; the rest of the dossier is as it was.
    assert not Note.objects.filter(pk=report.pk).exists()
    assert Agreement.objects.filter(pupil=lotte).count() == kept["agreements"]
    assert Note.objects.filter(pupil=lotte).count() == kept["notes"]
    assert SpecialRecord.objects.filter(pupil=lotte).count() == kept["special"]
    # Only the suppliers that received reports are told, about the one report.
    told = {n.receiver_name for n in RecipientNotice.objects.filter(request=request)}
    assert told == {"ParnasSys", "Overstapservice Onderwijs"}
    notices = page.get_by_role("table").filter(has_text="ParnasSys")
    expect(notices).not_to_contain_text("Gynzy")
    mailed = [m for m in mail.outbox if "19" in m.subject]
    assert mailed and all("Gynzy" not in m.body for m in mailed)
    journey.finish()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_teacher_opens_the_protocol_during_an_objection_with_a_reason(
    page, live_server, language
):
    say = Words(language)
    journey = Journey(page, f"rights-protocol-{language}")
    daan = Pupil.objects.get(first_name="Daan", last_name="Bakker")
    parent = User.objects.get(email=PARENT)
    request_services.request_submit(
        pupil=daan,
        kind=DataRequest.Kind.OBJECTION,
        requester=parent,
        acting_user=parent,
        categories=["special"],
    )

    log_in(page, live_server, HORIZON_TEACHER, journey.check)
    journey.check("home")
    if language == "en":
        english(page, journey, "home-english")
    menu(page, say("Pupils"))
    journey.check("pupils")
    page.get_by_role("link", name="Daan Bakker").click()
    journey.check("pupil")
    page.get_by_role("link", name=say("Special-category data (medical and other)")).click()
    banner = page.locator(".sp-restricted")
    expect(banner).to_be_visible()
    expect(page.get_by_text("midazolam", exact=False)).to_have_count(0)
    journey.check("restricted")
    page.get_by_label(say("Why do you need this restricted record now?")).fill(
        "Daan heeft een aanval in de gymzaal."
    )
    page.get_by_role("button", name=say("Open for this look")).click()
    expect(page.get_by_text("midazolam", exact=False)).to_be_visible()
    expect(page.locator(".sp-badge--restricted").first).to_be_visible()
    expect(page.get_by_text("Epilepsie, vastgesteld", exact=False)).to_have_count(0)
    journey.check("opened")
    look = RestrictedAccess.objects.get(pupil=daan)
    assert look.user.email == HORIZON_TEACHER and "protocol" in look.kinds
    assert AuditEntry.objects.filter(
        object_id=daan.pk,
        action=AuditEntry.Action.ACCESS,
        changes__viewed__0__startswith="restricted",
    ).exists()
    journey.finish()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_pupil_of_16_uses_a_portal_of_their_own(page, live_server, language):
    say = Words(language)
    journey = Journey(page, f"rights-pupil-{language}")
    pupil = Pupil.objects.get(account__email=PUPIL)

    log_in(page, live_server, PUPIL, journey.check)
    journey.check("home")
    if language == "en":
        english(page, journey, "home-english")
    menu(page, say("My data"))
    expect(page.get_by_role("heading", level=1)).to_have_text(say("My data"))
    journey.check("my-data")
    page.get_by_role("link", name=pupil.full_name).click()
    expect(
        page.get_by_text(say("This is everything the school keeps about you in your dossier."))
    ).to_be_visible()
    journey.check("dossier")
    page.get_by_role("link", name=say("Who looked at your dossier?")).click()
    journey.check("who-looked")
    page.go_back()
    page.get_by_role("link", name=say("Your parents' access")).click()
    journey.check("parents-access")
    guardian = pupil.guardianships.select_related("parent").first()
    page.get_by_role("button", name=re.compile(re.escape(guardian.parent.full_name))).click()
    expect(page.get_by_role("status")).to_be_visible()
    guardian.refresh_from_db()
    assert guardian.access_granted_at is not None
    journey.check("granted")
    journey.finish()
