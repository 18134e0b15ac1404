"""The one registry of personal data: which models hold what about whom, and how each goes.

Each app declares, in its ``personal_data.py`` and from its ``ready()``, every model
it holds: whose data it is, which fields (and their category: ordinary, special
category, BSN, secret), the section of the parent's copy it appears in, how it is
erased, which retention category it belongs to and whether a correction goes
through a service of the app. A model that holds nothing personal is declared too,
with the reason. The parent's copy (``requests/copies.py``), erasure
(``pupils`` and ``consents`` services), the retention sweep and the plaintext
checks read the registry; ``tests/test_personal_data.py`` fails on a model of the
project that is in neither list, like the route matrix fails on an unclassified URL.

The retention categories are the codes of ``requests.models.ErasureCategory``
(strings here: the core does not import the apps above it).
"""

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .selectors import querysets_have_rows


class Subject(models.TextChoices):
    """Whose personal data it is."""

    PUPIL = "pupil", _("pupils")
    PARENT = "parent", _("parents and guardians")
    STAFF = "staff", _("staff")


class Kind(models.TextChoices):
    """What kind of personal data a field holds (GDPR Art. 9 and the UAVG's BSN rule)."""

    ORDINARY = "ordinary", _("ordinary personal data")
    SPECIAL = "special", _("special category or sensitive, encrypted")  # Art. 9; nationality
    BSN = "bsn", _("citizen service number (BSN), encrypted")  # only where the law requires
    # A credential or key: never shown, never in a copy.
    SECRET = "secret", _("secret, kept encrypted or as a digest")


class Erasure(models.TextChoices):
    """How a holding's rows go when their category is erased."""

    DELETE = "delete"  # the rows are deleted (audited, their audit values masked)
    ANONYMISE = "anonymise"  # the row stays, without what identifies the person
    FACTS = "facts"  # the contents are emptied, the facts (kind, dates) stay as proof
    WITH_OWNER = "with_owner"  # goes with the row or person it belongs to (see ``why``)


def kinds(*ordinary: str, special=(), bsn=(), secret=()) -> dict[str, Kind]:
    """The fields of a holding by kind: ``kinds("name", "phone", special=("content",))``."""
    named = [(ordinary, Kind.ORDINARY), (special, Kind.SPECIAL), (bsn, Kind.BSN)]
    named.append((secret, Kind.SECRET))
    return {name: kind for names, kind in named for name in names}


#: A function that erases a holding's rows of one pupil: (pupil, rows, erased) -> None;
#: it adds the erased ids to ``erased`` under the model's label.
Eraser = Callable[[models.Model, QuerySet, dict[str, list[int]]], None]


def delete_audited(pupil, rows: QuerySet, erased: dict[str, list[int]]) -> None:
    """The default eraser: delete row by row, audited, and mask the audit values."""
    from . import audit

    audit.delete_rows(rows, erased)


@dataclass(frozen=True)
class Holding:
    """One kind of personal data a model holds."""

    model: type[models.Model]
    subject: Subject
    fields: Mapping[str, Kind]
    #: The section of the parent's copy (``requests/copies.py``) it appears in; None when
    #: it is not in the copy, and then ``why`` says why.
    copy: str | None
    erasure: Erasure
    #: The retention category (requests.models.ErasureCategory) that deletes it.
    retention: str | None = None
    #: The lookup from the model to the pupil it is about (None: not about one pupil).
    pupil: str | None = "pupil"
    #: Which of the model's rows this holding is (a model may hold two categories).
    rows: Q = field(default_factory=Q)
    #: The field naming the parent who gave the data: a parent's erasure takes only theirs.
    given_by: str = ""
    #: The service a correction of it goes through ("" when it is not corrected).
    correction: str = ""
    eraser: Eraser = delete_audited
    why: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label

    def of_pupil(self, pupil) -> QuerySet:
        """The rows of this holding about *pupil* (a Pupil, its id or an OuterRef)."""
        if self.pupil is None:
            raise ValueError(f"{self.label} is not held per pupil")
        if isinstance(pupil, models.Model):
            pupil = pupil.pk
        return self.model._default_manager.filter(self.rows, **{self.pupil: pupil})


_holdings: list[Holding] = []
_not_personal: dict[type[models.Model], str] = {}


def declare(holdings: Iterable[Holding], not_personal: Mapping[type[models.Model], str] = {}):
    """Called from an app's ``ready()`` with what its models hold (idempotent)."""
    for holding in holdings:
        if holding not in _holdings:
            _check(holding)
            _holdings.append(holding)
    _not_personal.update(not_personal)


def _check(holding: Holding) -> None:
    names = {f.name for f in holding.model._meta.get_fields()}
    unknown = set(holding.fields) - names
    if unknown:
        raise ValueError(f"{holding.label} has no field(s) {sorted(unknown)}")
    if holding.copy is None and not holding.why:
        raise ValueError(f"{holding.label}: say why it is not in the copy")


def holdings(
    *,
    retention: str | None = None,
    app_label: str | None = None,
    subject: Subject | None = None,
    erasure: Erasure | None = None,
) -> list[Holding]:
    """The declared holdings, in declaration order (the order erasure follows)."""
    return [
        h
        for h in _holdings
        if (retention is None or h.retention == retention)
        and (app_label is None or h.model._meta.app_label == app_label)
        and (subject is None or h.subject == subject)
        and (erasure is None or h.erasure == erasure)
    ]


def copy_sections() -> list[str]:
    """Every section of the parent's copy some holding appears in, in declaration order."""
    return list(dict.fromkeys(h.copy for h in _holdings if h.copy))


def fields_of_kind(*kinds: Kind) -> list[tuple[type[models.Model], str]]:
    """(model, field) of every declared field of these kinds."""
    return [(h.model, name) for h in _holdings for name, kind in h.fields.items() if kind in kinds]


def erase(
    pupil,
    *,
    retention: str,
    erased: dict[str, list[int]],
    app_label: str | None = None,
    except_apps: Iterable[str] = (),
    given_by=None,
) -> None:
    """Erase every holding of *app_label* (or of every app but *except_apps*) in the
    *retention* category about *pupil*.

    What an anonymisation or an owner takes care of is left to them; *given_by* (a
    parent) narrows the holdings that name who gave the data to that parent's.
    """
    erase_each(
        pupil, {retention: erased}, app_label=app_label, except_apps=except_apps, given_by=given_by
    )


def erase_each(
    pupil,
    parts: Mapping[str, dict[str, list[int]]],
    *,
    app_label: str | None = None,
    except_apps: Iterable[str] = (),
    given_by=None,
) -> None:
    """:func:`erase` for several categories at once, in the order of *parts* (a category
    and the dict its erased ids go to)."""
    work = []
    for retention, erased in parts.items():
        for holding in holdings(retention=retention, app_label=app_label):
            if holding.model._meta.app_label in except_apps:
                continue
            if holding.erasure != Erasure.DELETE or holding.pupil is None:
                continue
            rows = holding.of_pupil(pupil)
            if given_by is not None and holding.given_by:
                rows = rows.filter(**{holding.given_by: given_by})
            work.append((holding, rows, erased))
    # Most of a pupil's holdings are empty: one statement finds those that are not (the
    # retention sweep erases thousands of pupils a night, each from a dozen tables).
    present = (
        querysets_have_rows([rows for _, rows, _ in work])
        if len(work) > 1
        else (True,) * len(work)
    )
    for (holding, rows, erased), has_rows in zip(work, present, strict=True):
        if has_rows:
            holding.eraser(pupil, rows, erased)


def discover() -> None:
    """Declare what every app holds: its ``personal_data`` module's ``holdings()`` and
    ``not_personal()``, in the order of INSTALLED_APPS (called from the core's ready())."""
    declare(_core_holdings(), _core_not_personal())
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.personal_data":
                raise
            continue
        if module is not sys.modules[__name__]:
            declare(module.holdings(), module.not_personal())


def project_models() -> list[type[models.Model]]:
    """The concrete models of the project's own apps (those in the repository)."""
    base = settings.BASE_DIR
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).parent == base
        for model in config.get_models()
        if not model._meta.abstract and not model._meta.proxy
    ]


def unclassified() -> list[str]:
    """Models of the project declared neither as holding personal data nor as not."""
    declared = {h.model for h in _holdings} | set(_not_personal)
    return sorted(m._meta.label for m in project_models() if m not in declared)


# --- What the core holds --------------------------------------------------------------------


def _core_holdings() -> list[Holding]:
    from .models import (
        AuditEntry,
        Authenticator,
        BoardMembership,
        Membership,
        Notice,
        RecoveryCodes,
        User,
    )

    return [
        Holding(
            User,
            Subject.PARENT,
            kinds("email", "full_name", "language", "last_login", secret=("password",)),
            copy="parents",
            erasure=Erasure.ANONYMISE,
            pupil=None,
            why="an account (a parent's, a staff member's or a pupil's own); the pupil's "
            "own is anonymised with the administration (pupils.services)",
        ),
        Holding(
            Membership,
            Subject.STAFF,
            kinds("user", "role"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="a staff member's role at a school",
        ),
        Holding(
            BoardMembership,
            Subject.STAFF,
            kinds("user", "role"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="a staff member's role at the board",
        ),
        Holding(
            Notice,
            Subject.PARENT,
            kinds("user", "message", "texts", "mail_subject", "url"),
            copy=None,
            erasure=Erasure.ANONYMISE,
            pupil=None,
            why="a message to a user; a pupil's name is scrubbed from them when the pupil "
            "is anonymised (schoolprivacy.services.notices_scrub)",
        ),
        Holding(
            Authenticator,
            Subject.STAFF,
            kinds("user", "name", secret=("key",)),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="a second factor: a secret, never shown",
        ),
        Holding(
            RecoveryCodes,
            Subject.STAFF,
            kinds("user", "name"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="a second factor: its codes are kept only as digests",
        ),
        Holding(
            AuditEntry,
            Subject.STAFF,
            kinds("actor", "actor_email", "remote_addr", "object_repr", "changes"),
            copy=None,
            erasure=Erasure.ANONYMISE,
            pupil=None,
            why="who did what to whose data, and when (accountability, Art. 5(2)); the copy "
            "names who looked at the dossier from it (requests/copies.py), and when an "
            "object is erased its entries keep the facts and lose the values "
            "(schoolprivacy/audit.py: scrub)",
        ),
    ]


def _core_not_personal() -> dict:
    from .models import Board, Heartbeat, RecoveryCode, School, Submission

    return {
        Board: "a school board (its privacy contact is the board's address)",
        School: "a school",
        Heartbeat: "when a process last ran",
        Submission: "the one-time key of a form, to answer it once",
        RecoveryCode: "the digest of one recovery code (never the code)",
    }
