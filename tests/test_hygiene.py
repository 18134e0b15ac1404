"""Project hygiene that `make test` guards: migrations, lint, and complete catalogues."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")
CATALOGUES = {lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("nl", "en")}


@pytest.mark.django_db
def test_the_models_and_migrations_agree():
    call_command("makemigrations", check=True, dry_run=True, stdout=io.StringIO())


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_is_clean(args):
    result = subprocess.run([RUFF, *args, "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lang", CATALOGUES)
def test_every_message_is_translated(lang):
    catalogue = polib.pofile(str(CATALOGUES[lang]))
    missing = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert missing == []


def test_the_catalogues_hold_every_message_of_the_source(tmp_path):
    """Extract the messages afresh (needs GNU gettext) and compare with the committed ones."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext (xgettext) is not installed; .ci/run installs it")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".local",
            ".git",
            "static",
            "staticfiles",
            "test-artifacts",
            "*.mo",
            "__pycache__",
            ".pytest_cache",
            ".ruff_cache",
            "node_modules",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / CATALOGUES["nl"].relative_to(ROOT)))}
    for lang, path in CATALOGUES.items():
        committed = {e.msgid for e in polib.pofile(str(path)) if not e.obsolete}
        assert fresh - committed == set(), f"{lang}: run `make messages` and translate"
        assert committed - fresh == set(), f"{lang}: stale messages; run `make messages`"


def test_code_cites_only_documents_in_the_repository():
    """A comment that cites a document cites one the next engineer has: a file of this
    repository (docs/architecture.md, say), not a design note kept elsewhere."""
    import re

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    documents = {path for path in tracked if path.endswith(".md")}
    names = {Path(path).name for path in documents}
    cited = re.compile(r"(?<![\w./:-])([\w./-]*\w\.md)\b")
    sources = [
        path
        for path in tracked
        if path.endswith((".py", ".html", ".txt", ".toml", ".yml")) or path == "Makefile"
    ]
    unknown = [
        f"{path}: {name}"
        for path in sources
        for name in cited.findall((ROOT / path).read_text(encoding="utf-8", errors="ignore"))
        if name not in documents and name not in names
    ]
    assert unknown == []


def test_no_library_the_processes_load_imports_a_module_named_requests():
    """The app requests/ shadows the PyPI library of that name: a library that imported it
    would get the app instead. The modules the web, worker and beat processes load import
    no module of that name (tests/imports_of_the_processes.py lists any that do)."""
    import os

    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "imports_of_the_processes.py")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == []
