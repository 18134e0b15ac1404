"""Role → capability, in one table (schoolprivacy/capabilities.py): the views, the menu and
the apps' role constants ask the table, never a list of role names of their own."""

import pathlib

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


def test_the_apps_role_constants_are_the_tables():
    assert set(sync_permissions.IMPORT_ROLES) == roles_with(Capability.IMPORT)
    assert set(consent_permissions.PUBLICATION_ROLES) == roles_with(Capability.PUBLICATIONS)
    assert set(consent_permissions.MANAGE_ROLES) | {BoardRole.PRIVACY_OFFICER} == roles_with(
        Capability.MANAGE_PURPOSES
    )
    managers = {*staff_permissions.MANAGER_ROLES, *staff_permissions.BOARD_MANAGER_ROLES}
    assert managers == roles_with(Capability.MANAGE_STAFF)
    assert set(staff_permissions.BOARD_MANAGER_ROLES) == roles_with(Capability.MANAGE_BOARD_STAFF)
    assert set(supplier_permissions.SCHOOL_KEEPERS) == roles_with(Capability.KEEP_SCHOOL_REGISTER)
    assert set(supplier_permissions.BOARD_KEEPERS) == roles_with(Capability.KEEP_BOARD_REGISTER)
