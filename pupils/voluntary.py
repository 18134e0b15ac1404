"""Data the school may hold only with the explicit consent of whoever decides for the child
(GDPR Art. 9(2)(a)): religion (the school guides: "niet verplicht").

The consents app keeps those decisions, with their texts and versions. It registers here
the rule that answers whether consent stands now (consents/apps.py), the way apps offer
sections to a page of the core: the arrows keep pointing down the app list. Without a
registered rule nothing voluntary may be recorded (deny by default).
"""

from collections.abc import Callable

from .models import Pupil, SpecialRecord

#: The special-category kinds that need the explicit consent of the person who decides.
VOLUNTARY_KINDS = frozenset({SpecialRecord.Kind.RELIGION})

ConsentRule = Callable[[Pupil, str], bool]
_rules: list[ConsentRule] = []
#: Who keeps the proof that voluntary data was erased (the requests app's erasure ledger).
ErasureRecorder = Callable[..., object]  # what it returns is not used
_recorders: list[ErasureRecorder] = []


def register_consent_rule(rule: ConsentRule) -> None:
    """Let *rule* answer, for a pupil and a voluntary kind, whether consent stands now."""
    if rule not in _rules:
        _rules.append(rule)


def register_erasure_recorder(recorder: ErasureRecorder) -> None:
    """Let *recorder* keep every erasure of voluntary data: ``recorder(pupil=, erased=, by=)``."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def record_erasure(*, pupil: Pupil, erased: dict, by) -> None:
    for recorder in _recorders:
        recorder(pupil=pupil, erased=erased, by=by)


def has_consent(pupil: Pupil, kind: str) -> bool:
    """Whether the school may hold *kind* of data on *pupil* now: a registered rule says so."""
    return kind in VOLUNTARY_KINDS and any(rule(pupil, kind) for rule in _rules)
