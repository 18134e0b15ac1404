"""A backup and its restore (make backup, make restore): the database comes back, the keys
are kept with it, and an erasure done after the backup is applied again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from pupils.models import Agreement
from requests import ledger, services
from requests.models import ErasureRecord
from requests.services import CategoryDecision
from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.celery  # real processes (pg_dump, pg_restore, manage.py)


def script(*args):
    env = {**os.environ, "ERASURE_LEDGER_PATH": str(settings.ERASURE_LEDGER_PATH.parent)}
    return subprocess.run(
        [sys.executable, "scripts/backup.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


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

    request = services.request_submit(
        pupil=world.pupil,
        kind="erasure",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        categories=["dossier"],
    )
    services.erasure_decide(
        request=request,
        decisions={"dossier": CategoryDecision(services.ErasureItem.Outcome.ERASE)},
        acting_user=world.users["director"],
    )
    assert not Agreement.objects.filter(pupil=world.pupil).exists()
    record = ErasureRecord.objects.get(request=request)
    [line] = [e for e in ledger.entries() if e["key"] == str(record.key)]  # kept apart
    assert line["categories"] == ["dossier"] and world.pupil.last_name not in str(line)

    connection.close()
    result = script("restore", str(made), "--database-url", url)

    assert "1 erased again" in result.stdout
    assert not Agreement.objects.filter(pupil=world.pupil).exists()  # gone again
    again = ErasureRecord.objects.get(key=line["key"])
    assert again.source == ErasureRecord.Source.REAPPLIED
    assert services.erasures_reapply().already_applied == 1  # a second run does nothing
