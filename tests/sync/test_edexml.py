"""Reading EDEXML: with and without its namespace, streaming, and never unsafe XML."""

import io
import tracemalloc

import pytest

from sync import edexml

from .files import P, T
from .files import edexml as make


def read_all(data: bytes):
    seen = {"school": [], "group": [], "pupil": [], "teacher": []}
    edexml.read(
        io.BytesIO(data),
        on_school=seen["school"].append,
        on_group=seen["group"].append,
        on_pupil=seen["pupil"].append,
        on_teacher=seen["teacher"].append,
    )
    return seen


PUPILS = [
    P("L1", "Bakker", "Lotte", prefix="", bsn="123456782", eckid="https://ketenid.nl/x/1"),
    P("L2", "Berg", "Sem", prefix="van den", gender="1", combined=["sg1"]),
]
TEACHERS = [T("T1", "Hendriks", "Tom", "tom@regenboog.example", groups=["g5"])]
GROUPS = (("g5", "Groep 5", "5", False), ("sg1", "Plusklas", "", True))


@pytest.mark.parametrize(
    "form", [{"namespace": True}, {"namespace": False}, {"namespace": True, "prefix": "edex"}]
)
def test_a_file_reads_the_same_with_or_without_its_namespace(form):
    seen = read_all(make(PUPILS, teachers=TEACHERS, groups=GROUPS, **form))
    (school,) = seen["school"]
    assert (school.brin, school.first_year) == ("99RB", 2026)
    assert [(g.key, g.name, g.combined) for g in seen["group"]] == [
        ("g5", "Groep 5", False),
        ("sg1", "Plusklas", True),
    ]
    lotte, sem = seen["pupil"]
    assert (lotte.key, lotte.first_name, lotte.last_name, lotte.bsn, lotte.eckid) == (
        "L1",
        "Lotte",
        "Bakker",
        "123456782",
        "https://ketenid.nl/x/1",
    )
    assert str(lotte.birth_date) == "2017-03-14" and lotte.group_keys == ["g5"]
    assert (sem.prefix, sem.combined_keys, edexml.GENDERS[sem.gender]) == (
        "van den",
        ["sg1"],
        "m",
    )
    (tom,) = seen["teacher"]
    assert (tom.key, tom.email, tom.group_keys) == ("T1", "tom@regenboog.example", ["g5"])
    assert lotte.line > 1


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<EDEX><school><brincode>&lol2;</brincode></school></EDEX>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE EDEX [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<EDEX><school><brincode>&secret;</brincode></school></EDEX>"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL, b"not xml at all", b"", b"<html><body/></html>", b"<EDEX><a>"],
    ids=["entity-expansion", "external-entity", "not-xml", "empty", "not-edexml", "broken"],
)
def test_a_file_that_cannot_be_used_is_refused_whole(data):
    with pytest.raises(edexml.Unreadable):
        read_all(data)


def test_reading_takes_the_same_memory_for_a_small_and_a_large_file():
    """Each record is handed over and forgotten: the file is never held whole."""

    def peak(count: int) -> int:
        data = make([P(f"L{i}", f"Naam{i}", "Kind") for i in range(count)])
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        edexml.read(
            io.BytesIO(data),
            on_school=lambda r: None,
            on_group=lambda r: None,
            on_pupil=lambda r: None,
            on_teacher=lambda r: None,
        )
        result = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
        return result

    small, large = peak(500), peak(20_000)
    assert large < small * 2 + 256 * 1024, (small, large)
