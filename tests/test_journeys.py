"""The four journeys of issue 8, end to end in real headless Chromium, with axe-core.

Each journey is what one kind of user does on an ordinary day with the demo board:
the parent (in Dutch, and once more in English), the teacher, the director and the
administrator with the privacy officer. Every page a journey opens is audited by
axe-core (tests/accessibility.py: no serious or critical WCAG 2.1 AA violation) and
photographed into test-artifacts/screenshots/<journey>/. The forms that matter most
are filled with the keyboard alone, and a wrong entry shows its error the accessible
way: an error summary that takes the focus, and the message tied to its field.

What another user did first (the parent's withdrawal that the teacher sees, the
requests the director handles) is set up through the same services the pages call,
so that each journey stays one readable test.
"""

import datetime
import io
import re
import zipfile

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from consents.models import Decision, Purpose
from consents.services import decision_record
from demo import data
from pupils import models as dossier
from pupils.looks import looks_at
from pupils.models import Agreement, Pupil
from pupils.services import dossier_viewed, invitation_create
from requests import services as request_services
from requests.models import DataRequest, ErasureCategory, ErasureItem, RecipientNotice
from requests.services import ItemProposal
from schoolprivacy.models import User
from suppliers.models import Breach, Supplier
from tests import documents
from tests.accessibility import Journey
from tests.browser import Words, log_in, log_out, menu, second_step, tab_to, type_into

pytestmark = pytest.mark.browser

PARENT = data.PARENTS["bakker"][0]
TEACHER = "leerkracht@regenboog.example"
DIRECTOR = "directeur@regenboog.example"
ADMINISTRATOR = "beheerder@regenboog.example"
PRIVACY_OFFICER = "fg@kindkracht.example"
NEW_PASSWORD = "Fietsen-langs-de-Maas-26"


def pupil(first_name: str, last_name: str) -> Pupil:
    return Pupil.objects.get(first_name=first_name, last_name=last_name)


def social_media(lotte: Pupil) -> Purpose:
    return Purpose.objects.get(board=lotte.school.board, code="foto-sociale-media")


def title(purpose: Purpose, language: str) -> str:
    """The purpose's title as the parent reads it (it is data: in the purpose's versions)."""
    return getattr(purpose.versions.latest("number"), f"title_{language}")


def expect_message(page, text: str) -> None:
    """The page tells the user what happened (in the status messages above the content)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def expect_error_on(page, field, summary_text: str) -> None:
    """The form came back with an error: the summary has the focus and names the problem,
    and the field itself is marked invalid with the message as its description."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(summary_text)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(summary_text)))


def test_the_audit_finds_what_a_screen_reader_would_miss(page):
    """The audit itself can fail: an image without text, an unlabelled field, and a
    button the Tab key never reaches."""
    journey = Journey(page, "audit-self-check")
    page.goto("about:blank")
    page.set_content(
        '<html lang="nl"><body><main><img src="x.png"><input>'
        '<button tabindex="-1">Opslaan</button></main></body></html>'
    )
    journey.check("broken-page")
    with pytest.raises(AssertionError, match="image-alt") as found:
        journey.finish()
    assert "not reachable with the keyboard: <button" in str(found.value)


# --- 1. The parent ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_parent_journey(page, live_server, tmp_path, language):
    say = Words(language)
    journey = Journey(page, f"parent-{language}")
    lotte = pupil("Lotte", "Bakker")
    parent = User.objects.get(email=PARENT)
    parent.set_unusable_password()
    parent.save(update_fields=["password"])
    # Her child's teacher opened the dossier this morning.
    dossier_viewed(pupil=lotte, acting_user=User.objects.get(email=TEACHER), part="dossier")
    mail.outbox.clear()
    invitation_create(parent=parent, acting_user=User.objects.get(email=ADMINISTRATOR))
    (letter,) = [m for m in mail.outbox if m.to == [PARENT]]
    link = re.search(re.escape(settings.SITE_URL) + r"(/portal/invitation/\S+/)", letter.body)

    # The invitation: she chooses her password, with the keyboard alone.
    page.goto(live_server.url + link[1])
    journey.check("invitation")
    if language == "en":
        page.get_by_role("button", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        journey.check("invitation-english")
    first = page.get_by_label(say("New password") + ":", exact=True)
    second = page.get_by_label(say("New password confirmation") + ":", exact=True)
    type_into(page, first, NEW_PASSWORD)
    type_into(page, second, NEW_PASSWORD + "x")
    page.keyboard.press("Enter")
    expect_error_on(page, second, say("The two password fields didn’t match."))
    assert not User.objects.get(email=PARENT).has_usable_password()  # nothing changed
    journey.check("invitation-error")
    type_into(page, first, NEW_PASSWORD)
    type_into(page, second, NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect_message(page, say("Welcome! Your password has been saved."))
    assert User.objects.get(email=PARENT).check_password(NEW_PASSWORD)

    # Both children, and Lotte's dossier with who looked at it.
    menu(page, say("My children"))
    expect(page.get_by_role("link", name="Lotte Bakker")).to_be_visible()
    expect(page.get_by_role("link", name="Daan Bakker")).to_be_visible()
    journey.check("children")
    page.get_by_role("link", name="Lotte Bakker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lotte Bakker")
    journey.check("dossier")
    page.get_by_role("link", name=say("Who looked at this dossier?")).click()
    expect(page.locator(".sp-history__event", has_text="Tom Hendriks").first).to_be_visible()
    journey.check("access-history")

    # The name is wrong: she proposes the right one, with a statement.
    page.go_back()
    page.get_by_role("link", name=say("Ask to correct the name")).click()
    journey.check("correction-choose")
    page.get_by_label(say("Which part is not right?")).select_option("last_name")
    page.get_by_role("button", name=say("Choose")).click()
    journey.check("correction-value")
    page.get_by_label(say("What is right"), exact=False).fill("Bakker-Jansen")
    page.get_by_label(say("Your statement (optional)"), exact=False).fill(
        "Lotte heeft sinds de zomer een dubbele achternaam."
    )
    page.get_by_role("button", name=say("Send the correction")).click()
    expect_message(page, say("The school answers by"))
    journey.check("correction-sent")
    correction = DataRequest.objects.get(pupil=lotte, kind=DataRequest.Kind.RECTIFICATION)
    assert correction.items.get().proposed_value == "Bakker-Jansen"

    # No more photos on social media.
    menu(page, say("Consents"))
    journey.check("consents-children")
    page.get_by_role("link", name="Lotte Bakker").click()
    region = page.get_by_role("region", name=title(social_media(lotte), language))
    expect(region).to_be_visible()
    journey.check("consents")
    region.get_by_role("button", name=say("Withdraw consent")).click()
    saved = say("Your choice has been saved. You can change it at any time.")
    expect_message(page, saved)
    region = page.get_by_role("region", name=title(social_media(lotte), language))
    expect(region.get_by_text(say("withdrawn").capitalize(), exact=True)).to_be_visible()
    journey.check("consent-withdrawn")
    latest = Decision.objects.filter(pupil=lotte, purpose=social_media(lotte)).latest("pk")
    assert latest.choice == Decision.Choice.WITHDRAWN

    # Which suppliers receive what.
    menu(page, say("My children"))
    page.get_by_role("link", name="Lotte Bakker").click()
    suppliers = say("Which suppliers and organisations receive data about %(name)s")
    page.get_by_role("link", name=suppliers % {"name": "Lotte"}).click()
    gynzy = page.get_by_role("row", name=re.compile("Gynzy"))
    expect(gynzy).to_be_visible()
    journey.check("suppliers")

    # A copy of everything.
    page.go_back()
    page.get_by_role("link", name=say("Ask for a copy")).first.click()
    journey.check("copy-ask")
    page.get_by_role("button", name=say("Send the request")).click()
    expect_message(page, say("The school answers by"))
    journey.check("copy-asked")
    log_out(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Log in"))
    journey.check("logged-out")

    # The director has the copy made (the director's journey does this in the browser).
    asked = DataRequest.objects.get(pupil=lotte, kind=DataRequest.Kind.ACCESS)
    request_services.copy_prepare(data_request=asked, acting_user=User.objects.get(email=DIRECTOR))

    # Later: she logs in again, downloads the copy and reads it.
    page.goto(live_server.url + "/")
    journey.check("login")
    page.get_by_label(say("E-mail address")).fill(PARENT)
    page.get_by_label(say("Password")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=say("Log in"), exact=True).click()
    journey.check("home")
    menu(page, say("My requests"))
    journey.check("requests")
    with translation.override(language):
        access = str(DataRequest.Kind.ACCESS.label)
    page.get_by_role("link", name=re.compile(re.escape(access), re.I)).click()
    journey.check("copy-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name=say("Download the copy (ZIP)")).click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert {"data.json", "copy.html"} <= set(archive.namelist())
    copy_page = tmp_path / "copy.html"
    copy_page.write_bytes(archive.read("copy.html"))
    page.goto(copy_page.as_uri())
    # In her language, which she chose on the invitation page and the account kept.
    assert User.objects.get(email=PARENT).language == language
    heading = say("Copy of the data the school holds on %(name)s") % {"name": "Lotte Bakker"}
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text("Ernstige pinda-allergie", exact=False)).to_be_visible()
    journey.check("copy-html")
    journey.finish()


# --- 2. The teacher --------------------------------------------------------------------


def test_teacher_journey(page, live_server):
    say = Words("nl")
    journey = Journey(page, "teacher")
    lotte, noor = pupil("Lotte", "Bakker"), pupil("Noor", "Visser")  # groep 5, groep 7
    # What the parent just did in her portal (the parent's journey does it in the browser).
    parent = User.objects.get(email=PARENT)
    purpose = social_media(lotte)
    decision_record(
        pupil=lotte,
        purpose=purpose,
        version_id=purpose.versions.latest("number").pk,
        choice=Decision.Choice.WITHDRAWN,
        acting_user=parent,
    )

    # Log in with the keyboard alone, and the code from the authenticator app.
    page.goto(live_server.url + "/")
    journey.check("login")
    type_into(page, page.get_by_label("E-mailadres"), TEACHER)
    type_into(page, page.get_by_label("Wachtwoord"), data.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    second_step(page, TEACHER, journey.check)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Tom")
    expect(page.get_by_text("De toestemming van Lotte Bakker", exact=False)).to_be_visible()
    journey.check("home")

    # An agreement, typed with the keyboard alone; first without what was agreed.
    menu(page, say("Pupils"))
    journey.check("pupils")
    page.get_by_role("link", name="Lotte Bakker").click()
    journey.check("dossier")
    page.get_by_role("link", name=say("Record an agreement")).click()
    journey.check("agreement-form")
    entries = Agreement.objects.filter(pupil=lotte).count()
    date = page.get_by_label("Datum:", exact=True)
    tab_to(page, date)
    # A date field takes its parts in the browser's order (en-US here: month, day, year).
    page.keyboard.type("11202026")
    expect(date).to_have_value("2026-11-20")
    type_into(page, page.get_by_label("Deelnemers:"), "moeder, meester Tom")
    page.keyboard.press("Enter")
    what = page.get_by_label("Wat is afgesproken:")
    expect_error_on(page, what, say("This field is required."))
    assert Agreement.objects.filter(pupil=lotte).count() == entries  # nothing saved
    journey.check("agreement-error")
    type_into(page, what, "Lotte leest thuis elke avond een kwartier.")
    tab_to(page, page.get_by_role("button", name=say("Save")))
    page.keyboard.press("Enter")
    expect(page.get_by_text(say("Saved in the dossier."))).to_be_visible()
    expect(page.get_by_text("Lotte leest thuis elke avond een kwartier.")).to_be_visible()
    journey.check("agreement-saved")

    page.get_by_role("link", name=say("Record a test result")).click()
    journey.check("test-form")
    page.get_by_label("Toets:").fill("Spelling M5")
    page.get_by_label("Datum:", exact=True).fill("2026-11-21")
    page.get_by_label("Score:").fill("38")
    page.get_by_label("Niveau:").fill("II")
    page.get_by_role("button", name=say("Save")).click()
    expect(page.get_by_role("cell", name="Spelling M5", exact=True)).to_be_visible()
    journey.check("test-saved")
    assert dossier.TestResult.objects.filter(
        pupil=lotte, test_name="Spelling M5", author__email=TEACHER
    ).exists()

    # The class consent overview shows the parent's withdrawal.
    menu(page, say("Who may be in the photo"), check=journey.check)
    journey.check("consent-groups")
    page.get_by_role("link", name=re.compile(r"^Groep 5 \(2026")).click()
    headers = page.get_by_role("columnheader").all_inner_texts()
    column = headers.index(title(purpose, "nl"))
    row = page.get_by_role("row", name=re.compile("Lotte Bakker"))
    expect(row.get_by_role("cell").nth(column - 1)).to_have_text(re.compile(say("no")))
    journey.check("consent-overview")

    # A pupil of another group is not there for her.
    looks = looks_at(pupil=noor).count()
    response = page.goto(f"{live_server.url}/pupils/{noor.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Page not found"))
    assert looks_at(pupil=noor).count() == looks
    journey.check("other-group")
    journey.finish()


# --- 3. The director -------------------------------------------------------------------


def test_director_journey(page, live_server):
    say = Words("nl")
    journey = Journey(page, "director")
    lotte, noor = pupil("Lotte", "Bakker"), pupil("Noor", "Visser")
    sanne = User.objects.get(email=PARENT)
    # Waiting already (the demo): Noor's father asked for a copy three weeks ago, and an
    # overdue request. Today Lotte's mother asked for a correction and a deletion.
    letter = DataRequest.objects.get(pupil=noor, kind=DataRequest.Kind.ACCESS)
    correction = request_services.request_submit(
        pupil=lotte,
        kind=DataRequest.Kind.RECTIFICATION,
        requester=sanne,
        acting_user=sanne,
        items=[ItemProposal("pupil", lotte.pk, "last_name", "Bakker-Jansen")],
    )
    deletion = request_services.request_submit(
        pupil=lotte,
        kind=DataRequest.Kind.ERASURE,
        requester=sanne,
        acting_user=sanne,
        categories=["administration"],  # "everything about my child"
    )

    log_in(page, live_server, DIRECTOR, journey.check)
    journey.check("home")
    menu(page, say("Requests"))
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Open requests"))
    rows = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows.filter(has_text="Lotte Bakker")).to_have_count(2)
    texts = rows.all_inner_texts()
    order = [next(i for i, t in enumerate(texts) if name in t) for name in ("Noor", "Lotte")]
    assert order == sorted(order), "the earliest due date comes first"
    assert "Noor" not in texts[0], "the overdue request comes before all others"
    journey.check("dashboard")

    # Noor's copy: more time is needed, with reasons (the parent reads them).
    rows.filter(has_text="Noor Visser").get_by_role("link").first.click()
    journey.check("request")
    due = letter.due_on
    tab_to(page, page.get_by_text(say("Extend by two months (with reasons, told to the parent)")))
    page.keyboard.press("Enter")  # opens the form
    tab_to(page, page.get_by_role("button", name=say("Extend the deadline")))
    page.keyboard.press("Enter")
    reasons = page.get_by_label(say("Reasons (the parent reads them)")).first
    expect_error_on(page, reasons, say("This field is required."))
    letter.refresh_from_db()
    assert letter.due_on == due and letter.extended_at is None  # nothing changed
    journey.check("extend-error")
    type_into(page, reasons, "Het dossier staat deels op papier in het archief van 2019.")
    tab_to(page, page.get_by_role("button", name=say("Extend the deadline")))
    page.keyboard.press("Enter")
    told = say("The deadline has been extended; the parent has been told why.")
    expect_message(page, told)
    letter.refresh_from_db()
    assert letter.extended_at is not None and letter.due_on > due
    journey.check("extended")

    # The correction: accepted, and the suppliers that receive the last name are told.
    menu(page, say("Requests"))
    page.get_by_role("row").filter(has_text="Lotte Bakker").filter(
        has_text=say("correction").capitalize()
    ).get_by_role("link").first.click()
    journey.check("correction")
    page.get_by_label(say("accept the correction")).check()
    page.get_by_role("button", name=say("Save the decision")).click()
    notices = page.get_by_role("table").filter(has_text="ParnasSys")
    expect(notices.get_by_role("row").filter(has_text="Gynzy")).to_contain_text(
        say("sent by e-mail").capitalize()
    )
    journey.check("correction-notices")
    lotte.refresh_from_db()
    assert lotte.last_name == "Bakker-Jansen"
    told = RecipientNotice.objects.filter(request=correction, supplier__isnull=False)
    assert {n.supplier.name for n in told} >= {"Gynzy", "ParnasSys"}

    # The deletion of everything: the dossier goes; the administration must be kept.
    menu(page, say("Requests"))
    page.get_by_role("row").filter(has_text="Bakker-Jansen").filter(
        has_text=say("deletion").capitalize()
    ).get_by_role("link").first.click()
    with translation.override("nl"):
        label = {code: str(text) for code, text in ErasureCategory.choices}
    administration = page.get_by_role("row").filter(has_text=label["administration"])
    expect(administration).to_contain_text(say("Yes, by law: restrict it instead"))
    expect(page.get_by_role("row").filter(has_text=label["dossier"])).to_contain_text(say("No"))
    journey.check("deletion")
    decision = page.locator("form").filter(
        has=page.get_by_role("button", name=say("Carry out the decision"))
    )
    for unit in deletion.erasure_items.all():
        # Delete what the law lets go, all of it (an explicit choice that names the count);
        # keep the rest restricted (the only choice there).
        with translation.override(say.language):
            label = str(unit.label)
        group = decision.get_by_role("group", name=label[:1].upper() + label[1:], exact=True)
        erase = group.locator('input[value="erase"]')
        if erase.count():
            expect(group.get_by_text(re.compile(r": \d+ "))).to_be_visible()  # the count
            erase.check()
        else:
            group.get_by_label(say("keep, restricted: only stored")).check()
    page.get_by_role("button", name=say("Carry out the decision")).click()
    expect_message(page, say("The decision has been carried out and the parent has been told."))
    journey.check("deletion-done")
    outcomes = dict(
        ErasureItem.objects.filter(request=deletion).values_list("category", "outcome")
    )
    assert outcomes == {
        "dossier": "erase",
        "special": "erase",
        "consents": "erase",
        "referral": "restrict",
        "declaration": "restrict",
        "administration": "restrict",
    }
    assert not Agreement.objects.filter(pupil=lotte).exists()

    # Who looked at Lotte's dossier.
    menu(page, say("Pupils"))
    journey.check("pupils")
    page.get_by_role("link", name="Lotte Bakker-Jansen").click()
    journey.check("pupil")
    page.get_by_role("link", name=say("History of this dossier")).click()
    expect(page.locator(".sp-history__event", has_text="Hanneke de Wit").first).to_be_visible()
    journey.check("access-history")
    journey.finish()


# --- 4. The administrator and the privacy officer ---------------------------------------


def test_administrator_and_privacy_officer_journey(page, live_server, tmp_path):
    say = Words("nl")
    journey = Journey(page, "administrator")
    leaflet = tmp_path / "bijsluiter-rekentuin.pdf"
    leaflet.write_bytes(documents.pdf())

    # The administrator adds a supplier with its privacy leaflet, and what it receives.
    log_in(page, live_server, ADMINISTRATOR, journey.check)
    journey.check("home")
    menu(page, say("Suppliers"), check=journey.check)
    journey.check("suppliers")
    page.get_by_role("link", name=say("Add a supplier")).click()
    journey.check("supplier-form")
    page.get_by_label("Naam:", exact=True).fill("Rekentuin")
    page.get_by_label("Website:").fill("https://www.rekentuin.example")
    page.get_by_label("Categorie:").select_option("learning_method")
    page.get_by_label("Privacybijsluiter:").fill("https://www.rekentuin.example/bijsluiter")
    page.get_by_label("Versie van de bijsluiter:").fill("2026.2")
    page.get_by_label("Bijsluiter (pdf-kopie):").set_input_files(leaflet)
    page.get_by_label("Basisschool De Regenboog").check()
    page.get_by_role("button", name=say("Save")).click()
    expect(page.get_by_text(say("The supplier has been saved."))).to_be_visible()
    journey.check("supplier-saved")
    page.get_by_role("row", name=re.compile("Rekentuin")).get_by_role(
        "link", name=say("record the fields")
    ).click()
    journey.check("field-set-form")
    for label in ("Voornaam", "Achternaam", "Groep", "Resultaten in de lesmethode"):
        field = page.get_by_label(label, exact=True)
        tab_to(page, field)
        page.keyboard.press("Space")  # a keyboard user ticks a box with the space bar
        expect(field).to_be_checked()
    page.get_by_label("Uitdrukkelijk niet gedeeld:").fill("geen toetsresultaten")
    page.get_by_role("button", name=say("Save")).click()
    expect(page.get_by_text(say("The field set has been saved."))).to_be_visible()
    journey.check("field-set-saved")
    assert Supplier.objects.get(name="Rekentuin").leaflet_document
    log_out(page)
    journey.check("logged-out")

    # Anyone can see it on the school's public page.
    page.goto(f"{live_server.url}/suppliers/school/99RB/")
    public_row = page.get_by_role("row", name=re.compile("Rekentuin"))
    expect(public_row).to_contain_text("Resultaten in de lesmethode")
    expect(public_row.get_by_role("link", name=say("privacy leaflet"))).to_have_attribute(
        "href", "https://www.rekentuin.example/bijsluiter"
    )
    journey.check("public-page")

    # The privacy officer exports the processing register ...
    log_in(page, live_server, PRIVACY_OFFICER, journey.check)
    journey.check("privacy-officer-home")
    menu(page, say("Processing register"), check=journey.check)
    expect(page.get_by_role("main")).to_contain_text("Rekentuin")  # a processor now
    journey.check("register")
    with page.expect_download() as download:
        page.get_by_role("link", name=say("CSV file")).click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "Rekentuin" in exported

    # ... and records a breach: the 72 hours run from the moment the school knew.
    menu(page, say("Data breaches"), check=journey.check)
    journey.check("breaches")
    page.get_by_role("link", name=say("Register a breach")).click()
    journey.check("breach-form")
    aware = timezone.localtime() - datetime.timedelta(hours=2)
    page.get_by_label(capfirst(say("what happened, in short")) + ":", exact=True).fill(
        "Lijst met allergieën gemaild aan verkeerde ouder"
    )
    page.get_by_label(capfirst(say("what happened")) + ":", exact=True).fill(
        "De lijst van groep 5 ging per ongeluk naar één ouder buiten de groep."
    )
    when = page.get_by_label(capfirst(say("became aware at")) + ":", exact=True)
    when.fill(aware.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Basisschool De Regenboog").check()
    page.get_by_label(capfirst(say("number of pupils affected")) + ":", exact=True).fill("27")
    page.get_by_role("button", name=say("Register")).click()
    breach = Breach.objects.get()
    assert breach.deadline_at == breach.aware_at + datetime.timedelta(hours=72)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lijst met allergieën")
    # 70 hours left (Django writes the spaces as no-break spaces).
    expect(page.get_by_text(re.compile(r"2\sdagen,\s2[12]\suur"))).to_be_visible()
    journey.check("breach")
    journey.finish()
