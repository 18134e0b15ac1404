"""A backup and its restore (make backup, make restore): the database comes back, the keys
are kept with it, and an erasure done after the backup is applied again. The restore
checks its environment before it touches anything, and the site stays closed
(maintenance, 503) until the erasures are applied again."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from pupils.models import Agreement
from requests import ledger, services
from requests.models import ErasureRecord
from requests.services import CategoryDecision
from schoolprivacy import maintenance
from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.celery  # real processes (pg_dump, pg_restore, manage.py)


@pytest.fixture(autouse=True)
def _site_open_after_each_test():
    """A restore that fails leaves the site closed, as it must; the tests after this one
    must not find it closed (they would all answer 503)."""
    yield
    maintenance.reopen()


def script(*args, ledger_dir=None, unset=(), check=True):
    ledger_dir = ledger_dir or settings.ERASURE_LEDGER_PATH.parent
    env = {**os.environ, "ERASURE_LEDGER_PATH": str(ledger_dir)}
    env.pop("MAINTENANCE_FLAG_PATH", None)
    for name in unset:
        env[name] = ""  # empty is unset, and hides a value in .env or .local/services.env
    return subprocess.run(
        [sys.executable, "scripts/backup.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


def erase_the_dossier(world):
    request = services.request_submit(
        pupil=world.pupil,
        kind="erasure",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        categories=["dossier"],
    )
    services.erasure_decide(
        data_request=request,
        decisions={"dossier": CategoryDecision(services.Outcome.ERASE)},
        acting_user=world.users["director"],
    )
    return request


def test_an_erasure_after_the_backup_is_applied_again_when_it_is_restored(
    transactional_db, world, dossier, tmp_path
):
    url = database_url_of_the_test_database()
    script("backup", "--database-url", url, "--out", str(tmp_path))
    [made] = tmp_path.iterdir()
    assert (made / "database.dump").stat().st_size > 0
    keys = (made / "keys.env").read_text()
    assert "FIELD_ENCRYPTION_KEYS=" in keys and "BSN_HMAC_KEY=" in keys
    assert oct((made / "keys.env").stat().st_mode)[-3:] == "600"
    assert oct((made / "database.dump").stat().st_mode)[-3:] == "600"  # like the keys
    assert oct(made.stat().st_mode)[-3:] == "700"

    request = erase_the_dossier(world)
    assert not Agreement.objects.filter(pupil=world.pupil).exists()
    record = ErasureRecord.objects.get(request=request)
    [line] = [e for e in ledger.entries() if e["key"] == str(record.key)]  # kept apart
    assert line["categories"] == ["dossier"] and world.pupil.last_name not in str(line)
    # The proof that the request was handled is in the ledger, not only in the database.
    assert line["request_reference"] == request.reference
    assert line["request_key"] == str(request.submission)

    connection.close()
    result = script("restore", str(made), "--database-url", url)

    assert "1 erased again" in result.stdout
    assert "the site is open again" in result.stdout
    assert not (settings.ERASURE_LEDGER_PATH.parent / "maintenance").exists()
    assert not Agreement.objects.filter(pupil=world.pupil).exists()  # gone again
    again = ErasureRecord.objects.get(key=line["key"])
    assert again.source == ErasureRecord.Source.REAPPLIED
    assert again.request_reference == request.reference  # the backup had no such request
    assert services.erasures_reapply().already_applied == 1  # a second run does nothing


def test_a_restore_without_redis_url_is_refused_before_it_touches_anything(
    transactional_db, world, dossier, tmp_path
):
    url = database_url_of_the_test_database()
    script("backup", "--database-url", url, "--out", str(tmp_path / "backups"))
    [made] = (tmp_path / "backups").iterdir()
    erase_the_dossier(world)
    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()

    connection.close()
    result = script(
        "restore", str(made), "--database-url", url,
        ledger_dir=ledger_dir, unset=("REDIS_URL",), check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "refused, nothing was changed" in result.stderr
    assert "REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not Agreement.objects.filter(pupil=world.pupil).exists()  # not restored
    assert not (ledger_dir / "maintenance").exists()  # the site was never closed


def test_the_site_stays_closed_when_the_erasures_cannot_be_applied_again(
    transactional_db, world, dossier, tmp_path, client, settings
):
    url = database_url_of_the_test_database()
    script("backup", "--database-url", url, "--out", str(tmp_path / "backups"))
    [made] = (tmp_path / "backups").iterdir()
    # A ledger apart from the run's, with a line that stops erasures_reapply halfway.
    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()
    broken = {
        "key": "not-a-key",
        "at": "2026-01-01T00:00:00+00:00",
        "pupil": world.pupil.pk,
        "pupil_uid": str(world.pupil.uid),
        "source": "request",
        "categories": ["dossier"],
        "erased": {},
    }
    (ledger_dir / "erasures.jsonl").write_text(json.dumps(broken) + "\n")
    settings.MAINTENANCE_FLAG_PATH = str(ledger_dir / "maintenance")

    connection.close()
    result = script(
        "restore", str(made), "--database-url", url, ledger_dir=ledger_dir, check=False
    )

    assert result.returncode != 0
    assert "erasures_reapply failed" in result.stderr and "stays closed" in result.stderr
    assert (ledger_dir / "maintenance").exists()
    assert client.get("/").status_code == 503
    assert client.get("/health/").status_code == 503

    # Once the cause is gone, erasures_reapply opens the site.
    (ledger_dir / "erasures.jsonl").write_text("")
    env = {**os.environ, "ERASURE_LEDGER_PATH": str(ledger_dir), "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "erasures_reapply"], cwd=ROOT, env=env, check=True
    )
    assert not (ledger_dir / "maintenance").exists()
    assert client.get(reverse("login")).status_code == 200
