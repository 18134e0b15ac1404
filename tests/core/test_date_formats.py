"""One date format per kind of place: "4 januari 2027" in text, "4-1-2027" in a table, day
first in English too (schoolprivacy/formats/). Templates and messages name the format;
none spells one out, so a page cannot drift from the rest."""

import datetime
import pathlib
import re

import pytest
from django.conf import settings
from django.utils import formats, translation

ROOT = pathlib.Path(settings.BASE_DIR)
PRODUCT = [p for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "schoolprivacy"]

#: The named formats (schoolprivacy/formats/) and "c", the machine's form in datetime="…".
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "c"}


def _templates():
    for app in PRODUCT:
        yield from (p for p in app.glob("templates/**/*") if p.is_file())
    yield from (p for p in (ROOT / "templates").glob("**/*") if p.is_file())


def _product_python():
    for app in PRODUCT:
        yield from (p for p in app.glob("**/*.py") if "migrations" not in p.parts)


def test_templates_name_their_date_format_and_never_spell_one_out():
    spelled = []
    for path in _templates():
        for match in re.finditer(r"\|date:(['\"])(.*?)\1", path.read_text()):
            if match.group(2) not in NAMED:
                spelled.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert spelled == []


SPELLED_IN_PYTHON = re.compile(r"strftime\(\"([^\"]*)\"\)|date_format\([^)]*?, \"([^\"]*)\"\)")


def test_messages_format_dates_by_name_and_never_with_strftime():
    spelled = []
    for path in _product_python():
        text = path.read_text()
        for match in SPELLED_IN_PYTHON.finditer(text):
            fmt = match.group(1) or match.group(2)
            iso = fmt.startswith("%Y-%m-%d")  # a CSV column or a file name, for machines
            if not iso and fmt not in NAMED:
                spelled.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert spelled == []


@pytest.mark.parametrize(
    ("language", "text", "table", "moment"),
    [
        ("nl", "4 januari 2027", "4-1-2027", "4 januari 2027, 09:05"),
        ("en", "4 January 2027", "4-1-2027", "4 January 2027, 09:05"),
    ],
)
def test_each_language_writes_the_day_first(language, text, table, moment):
    day = datetime.date(2027, 1, 4)
    with translation.override(language):
        assert formats.date_format(day) == text
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == table
        assert (
            formats.date_format(datetime.datetime(2027, 1, 4, 9, 5), "DATETIME_FORMAT") == moment
        )
