"""What the sync app holds about whom (schoolprivacy/personal_data.py)."""

from schoolprivacy.personal_data import Erasure, Holding, Subject, kinds

from . import models as m


def holdings() -> list[Holding]:
    return [
        Holding(
            m.ImportLine,
            Subject.PUPIL,
            kinds("subject", "key", "fields", "data", "message"),
            copy=None,
            erasure=Erasure.DELETE,
            retention="administration",
            why="a line of an import as the pupil administration sent it, for the run's "
            "report; the copy holds the data as the school keeps it",
        ),
        Holding(
            m.ImportRun,
            Subject.PUPIL,
            kinds("pending_file", "uploaded_by"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="the file of an import awaiting confirmation: emptied when it is applied, "
            "refused or expires (sync.services)",
        ),
        Holding(
            m.ChangeNotice,
            Subject.PUPIL,
            kinds("receiver_name", "fields", "subject", "body", "note"),
            copy=None,
            erasure=Erasure.DELETE,
            retention="administration",
            why="the message telling a supplier of a change in the administration; the copy "
            "lists who receives the data",
        ),
    ]


def not_personal() -> dict:
    return {m.ColumnMapping: "how a school's parents export names its columns"}
