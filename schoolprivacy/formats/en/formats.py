# English in the Dutch order, day first: the same formats as Dutch (schoolprivacy/formats/).
from schoolprivacy.formats.nl.formats import (  # noqa: F401 (read by Django by name)
    DATE_FORMAT,
    DATETIME_FORMAT,
    FIRST_DAY_OF_WEEK,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
)
