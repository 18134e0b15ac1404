"""Role → capability, in one table (schoolprivacy/capabilities.py): the views, the menu and
the apps' role constants ask the table, never a list of role names of their own."""

import pathlib
import re

from consents import permissions as consent_permissions
from schoolprivacy.capabilities import CAPABILITIES, Capability, roles_with
from schoolprivacy.models import BoardRole, Role
from staff import permissions as staff_permissions
from suppliers import permissions as supplier_permissions
from sync import permissions as sync_permissions

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("pupils", "consents", "suppliers", "requests", "sync", "staff")


def test_every_capability_has_its_roles_and_every_role_a_capability():
    assert set(CAPABILITIES) == set(Capability)
    every_role = set(Role.values) | set(BoardRole.values)
    assert all(CAPABILITIES[c] and CAPABILITIES[c] <= every_role for c in Capability)
    assert roles_with(*Capability) == every_role


def test_views_ask_for_a_capability_not_for_roles():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            assert "require_roles(" not in text, path.relative_to(ROOT)


def test_the_apps_role_constants_are_read_from_the_table():
    """A constant naming who may do something (``PAPER_ROLES = …``) is the table's roles of a
    capability, not a tuple of role names an app keeps itself."""
    # (A DEFAULT_ is the first value of a setting the school changes, not a duty; the pupil
    # policy's own table, _SCHOOL_ROLES, says which pupils a role reaches.)
    constant = re.compile(r"^(?!DEFAULT_)[A-Z][A-Z_]*(ROLES|KEEPERS) = (.*)$", re.M)
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for match in constant.finditer(path.read_text()):
                found.append(match.group(0))
                assert re.match(r"(school|board)_roles_with\(Capability\.", match.group(2)), (
                    path.relative_to(ROOT),
                    match.group(0),
                )
    assert len(found) >= 10  # the check reads the constants it is about


def test_a_role_constant_follows_the_table():
    assert supplier_permissions.SCHOOL_KEEPERS == (Role.ADMINISTRATOR,)
    assert set(staff_permissions.MANAGER_ROLES) | set(staff_permissions.BOARD_MANAGER_ROLES) == (
        roles_with(Capability.MANAGE_STAFF)
    )
    assert Role.TEACHER not in consent_permissions.PAPER_ROLES
    assert set(sync_permissions.IMPORT_ROLES) == {Role.DIRECTOR, Role.ADMINISTRATOR}
