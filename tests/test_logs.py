"""The log check of the whole run (tests/logcheck.py) finds what it must find."""

import logging

from tests import logcheck
from tests.factories import _valid_bsn


def test_a_bsn_in_a_log_line_is_found_and_other_numbers_are_not():
    bsn = _valid_bsn(4242)
    assert logcheck.violations([f"pupil {bsn} saved"], set())
    assert not logcheck.violations(["order 123456789 and 1234567890"], set())
    # A task id whose last nine digits pass the elfproef is not a BSN.
    assert logcheck.passes_elfproef("805480146")
    assert not logcheck.violations(["Task x[af7e0f57-909f-49b5-ac98-eeb805480146] ok"], set())
    assert logcheck.violations([f"bsn={bsn}; "], set())


def test_the_plaintext_of_an_encrypted_value_in_a_log_line_is_found():
    secret = "Epilepsie, medicatie om 12 uur"
    assert logcheck.violations([f"saved {secret}"], {secret})
    assert not logcheck.violations(["saved a record"], {secret})


def test_an_encrypted_number_inside_a_longer_number_is_not_a_leak():
    bsn = _valid_bsn(4243)
    assert logcheck.violations([f"bsn {bsn}: saved"], {bsn})
    assert not logcheck.violations([f"Task x succeeded in 0.0{bsn}000395375s: None"], {bsn})
    assert logcheck.violations([f"BSN{bsn}"], {bsn})  # glued to letters it is still a leak
    words = "Epilepsie, medicatie om 12 uur"
    assert logcheck.violations([f"note={words}x"], {words})


def test_the_run_collects_log_records_and_encrypted_plaintexts():
    from schoolprivacy.encryption import encrypt

    logging.getLogger("tests.logcheck").warning("a line of the run")
    assert any("a line of the run" in line for line in logcheck.COLLECTOR.lines)
    encrypt("een geheime waarde voor de test", context="tests.logcheck.1")
    assert "een geheime waarde voor de test" in logcheck.SECRETS


def test_the_run_collects_mails_and_health_facts_and_finds_one_in_a_mail():
    from django.core import mail

    from schoolprivacy.encryption import encrypt

    encrypt("Epileptische aanval in de gymzaal", context="pupils_emergencyaccess.reason.x")
    encrypt("een naam die ook in een mail mag", context="pupils_emergencycontact.name.y")
    assert "Epileptische aanval in de gymzaal" in logcheck.SPECIAL_SECRETS
    assert "een naam die ook in een mail mag" not in logcheck.SPECIAL_SECRETS
    mail.send_mail("Noodtoegang", "Reden: Epileptische aanval in de gymzaal", None, ["d@x.nl"])
    assert any("Epileptische aanval" in line for line in logcheck.MAILS)
    found = logcheck.violations(logcheck.MAILS[-1:], logcheck.SPECIAL_SECRETS, where="a mail")
    assert found and "in a mail" in found[0]
    logcheck.MAILS.pop()  # this test's own leak is not the run's


def test_the_care_partner_a_health_fact_came_from_may_be_named_in_a_mail():
    """A special record's source names an organisation whose name is also a consent question's
    title; the fact itself stays a secret for mails."""
    from schoolprivacy.encryption import encrypt

    encrypt("Stichting Voorbeeldzorg Utrecht", context="pupils_specialrecord.source_detail.z")
    encrypt("Absences, medicatie om 12 uur", context="pupils_specialrecord.content.z")
    assert "Stichting Voorbeeldzorg Utrecht" not in logcheck.SPECIAL_SECRETS
    assert "Absences, medicatie om 12 uur" in logcheck.SPECIAL_SECRETS
