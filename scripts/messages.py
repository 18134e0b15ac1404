"""`make messages`: refresh the catalogues from the source, then report what needs translating.

English is the source language, so the English catalogue takes each message
as written. The Dutch catalogue is translated by hand; this script lists the
entries that are still empty or fuzzy and exits non-zero while any are.
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv/*", ".local/*", "static/*", "staticfiles/*", "node_modules/*"]


def main() -> int:
    ignore = [arg for pattern in IGNORE for arg in ("--ignore", pattern)]
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "nl",
            "-l",
            "en",
            "--no-obsolete",
            *ignore,
        ],
        cwd=ROOT,
        check=True,
    )
    english = polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po"))
    for entry in english:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    english.metadata["Language"] = "en"
    english.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    english.save()

    dutch = polib.pofile(str(ROOT / "locale/nl/LC_MESSAGES/django.po"))
    todo = dutch.untranslated_entries() + dutch.fuzzy_entries()
    for entry in todo:
        print(f"needs Dutch: {entry.msgid!r}")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
