"""Issue 15 in real headless Chromium, in Dutch and in English, with axe-core on every page.

The administrator of De Regenboog imports the demo's EDEX.XML (demo/files/): sees the
preview, confirms, and finds the new pupils, their groups and the new teacher; then the
parents export, with its columns said once; then the new teacher's page under Staff.
"""

import re

import pytest
from playwright.sync_api import expect

from demo import exports
from pupils.models import Guardianship, Pupil
from schoolprivacy.models import Membership, Role, User
from tests.accessibility import Journey
from tests.browser import Words, log_in, menu

pytestmark = pytest.mark.browser

ADMINISTRATOR = "beheerder@regenboog.example"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_administrator_imports_the_demo_export_and_sees_the_school(
    page, live_server, language
):
    say = Words(language)
    journey = Journey(page, f"sync-{language}")
    log_in(page, live_server, ADMINISTRATOR, journey.check)
    journey.check("home")
    if language == "en":
        page.get_by_role("button", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    menu(page, say("Pupil administration"), check=journey.check)
    journey.check("sync-index")

    page.get_by_label(say("The export of the pupil administration (EDEX.XML)")).set_input_files(
        str(exports.DIRECTORY / exports.EDEXML)
    )
    page.get_by_role("button", name=say("Read the export")).click()
    expect(page.get_by_role("heading", level=2, name=say("Confirm"))).to_be_visible()
    journey.check("preview")
    page.get_by_role("link", name=say("new"), exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Mila Kok"))).to_be_visible()
    journey.check("preview-new")
    assert not Pupil.objects.filter(first_name="Mila", last_name="Kok").exists()

    page.get_by_role("button", name=say("Apply the import")).click()
    done = re.compile(f"^{re.escape(say('done'))}$", re.IGNORECASE)
    expect(page.locator("dd strong")).to_have_text(done, timeout=30_000)
    journey.check("applied")
    mila = Pupil.objects.get(first_name="Mila", last_name="Kok")
    assert mila.group.name == "Groep 1" and mila.external_key == "RB-0901"

    menu(page, say("Pupils"))
    journey.check("pupils-all")
    page.get_by_label(say("Search by name")).fill("Kok")
    page.get_by_role("button", name=say("Search"), exact=True).click()
    expect(page.get_by_role("link", name=re.compile("Mila Kok"))).to_be_visible()
    # In Mila's row: the group filter's select names "Groep 1" too.
    expect(page.get_by_role("row", name=re.compile("Mila Kok"))).to_contain_text("Groep 1")
    journey.check("pupils")

    # The parents: the columns are said once, then the preview, then confirmed.
    menu(page, say("Pupil administration"), check=journey.check)
    page.get_by_role(
        "link", name=say("Parents and guardians: import their export and invite them")
    ).click()
    journey.check("parents")
    page.get_by_label(say("The parents export of the pupil administration (CSV)")).set_input_files(
        str(exports.DIRECTORY / exports.PARENTS)
    )
    page.get_by_role("button", name=say("Read the export")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Which column holds what?"))
    journey.check("columns")
    page.get_by_role("button", name=say("Save and read the export")).click()
    expect(page.get_by_role("heading", level=2, name=say("Confirm"))).to_be_visible()
    journey.check("parents-preview")
    page.get_by_role("button", name=say("Apply the import")).click()
    expect(page.locator("dd strong")).to_have_text(done, timeout=30_000)
    assert Guardianship.objects.filter(pupil=mila).count() == 2
    mother = User.objects.get(email="anouk.kok@ouders.example")
    assert not mother.invitations.exists()

    # The export brought the parents' phone numbers and addresses: Mila's page shows them.
    page.goto(f"{live_server.url}/pupils/{mila.pk}/")
    expect(page.get_by_role("link", name=mother.contact.phone_mobile)).to_be_visible()
    expect(page.get_by_text(mother.contact.address)).to_be_visible()
    journey.check("pupil-contacts")

    # The new teacher, with the group the export gave her, under Staff.
    menu(page, say("Staff"), check=journey.check)
    journey.check("staff")
    page.get_by_role("link", name="Ilse de Boer").click()
    journey.check("staff-member")
    expect(page.get_by_role("checkbox", name="Groep 1")).to_be_checked()
    teacher = User.objects.get(email="ilse.deboer@regenboog.example")
    assert Membership.objects.filter(user=teacher, role=Role.TEACHER).exists()
    journey.finish()
