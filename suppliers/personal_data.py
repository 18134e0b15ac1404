"""What the suppliers app holds about whom (schoolprivacy/personal_data.py).

The registers describe the school's processing, not a person: only a breach names people
(who recorded it, and in its description possibly those affected).
"""

from schoolprivacy.personal_data import Erasure, Holding, Subject, kinds

from . import models as m


def holdings() -> list[Holding]:
    return [
        Holding(
            m.Breach,
            Subject.STAFF,
            kinds("description", "recorded_by"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="the board's breach register (Art. 33(5)); not about one pupil",
        ),
    ]


def not_personal() -> dict:
    register = "the board's register of suppliers and processing"
    return {
        model: register
        for model in (
            m.Supplier,
            m.SupplierUse,
            m.FieldSet,
            m.Recipient,
            m.BreachWarning,
            m.SupplierReminder,
            m.ProcessingActivity,
            m.PrivacyDocument,
        )
    }
