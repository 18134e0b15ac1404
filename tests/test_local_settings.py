"""`make run` shows the product as it is: its own error pages in Dutch, never Django's
debug pages, and its style sheets still served (schoolprivacy/settings/local.py).

The web server here is the one `make run` starts (scripts/stack.py: `manage.py runserver
--noreload` with the local settings), on a free port.
"""

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parent.parent


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def local_env() -> dict[str, str]:
    """What `make run` gives the web server: the local settings and the secrets of `.env`."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.local",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": new_key(),
        "BSN_HMAC_KEY": new_key(),
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict, str]:
    """Status, headers and text of *url*, whatever the status."""
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers={"Accept-Language": "nl"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_local_settings_do_not_debug(db):
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=local_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.fixture
def demo_server(transactional_db):
    """`make run`'s web server, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=local_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(process.communicate()[0].decode())
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def test_a_page_that_does_not_exist_is_the_products_dutch_page(demo_server):
    status, _headers, text = get(f"{demo_server}/dit-bestaat-niet/")
    assert status == 404
    assert '<html lang="nl"' in text
    assert "Pagina niet gevonden" in text
    assert "URLconf" not in text and "DEBUG = True" not in text  # Django's debug page
    # The product's page has its style sheet, and the style sheet is there.
    assert "/static/css/app.css" in text


def test_static_files_are_served(demo_server):
    for path in ("static/css/app.css", "static/vendor/utrecht/component-library.css"):
        status, headers, text = get(f"{demo_server}/{path}")
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/css")
        assert text == (ROOT / path).read_text(encoding="utf-8")
    # The technical admin site's own files come from Django's app.
    status, headers, _text = get(f"{demo_server}/static/admin/css/base.css")
    assert status == 200
    status, _headers, _text = get(f"{demo_server}/static/bestaat-niet.css")
    assert status == 404
