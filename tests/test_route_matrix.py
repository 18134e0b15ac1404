"""Every URL of the project, requested as anonymous and as every demo role.

Each route must be classified here: a new URL that is missing fails the test,
so nobody adds a page without deciding who may open it. Issue-by-issue the
apps add their routes with the roles that may see them (and real objects).
"""

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from demo import data
from schoolprivacy.models import BoardRole, Role, User
from schoolprivacy.services import heartbeat_record
from tests.consents.test_permission_matrix import COVERED_URL_NAMES as CONSENT_URL_NAMES
from tests.pupils.test_permission_matrix import COVERED_URL_NAMES
from tests.requests.test_permission_matrix import COVERED_URL_NAMES as REQUEST_URL_NAMES
from tests.signin.test_settings import COVERED_URL_NAMES as SIGNIN_URL_NAMES
from tests.staff.test_permission_matrix import COVERED_URL_NAMES as STAFF_URL_NAMES
from tests.suppliers.test_permission_matrix import COVERED_URL_NAMES as SUPPLIER_URL_NAMES
from tests.sync.test_permission_matrix import COVERED_URL_NAMES as SYNC_URL_NAMES
from tests.utils import post_forms_without_key, unwritten_labels

# Who may open a route: "public" (anyone), "user" (anyone logged in), or a set
# of staff roles (anyone else gets 404).
PUBLIC, USER = "public", "user"
STAFF = frozenset(Role)
MANAGERS = frozenset({Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER})
REGISTER = frozenset(
    {Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER, BoardRole.BOARD_ADMINISTRATOR}
)
REQUEST_STAFF = frozenset({Role.DIRECTOR, Role.TEAM_LEADER, BoardRole.PRIVACY_OFFICER})
STAFF_MANAGERS = frozenset({Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.BOARD_ADMINISTRATOR})


@dataclass(frozen=True)
class Route:
    access: str | frozenset
    kwargs: tuple = ()
    method: str = "get"
    ok_status: int = 200
    #: Where an allowed answer may send the user on (a regular expression the Location
    #: matches whole); any other redirect fails, as does one where none is expected.
    redirect: str = ""

    def sends_on(self, response) -> bool:
        location = response["Location"]
        return bool(self.redirect) and re.fullmatch(self.redirect, location) is not None


ROUTES = {
    "home": Route(USER),
    "account": Route(USER),
    "login": Route(PUBLIC, redirect="/"),  # signed in already: home
    "logout": Route(PUBLIC, method="post", ok_status=302, redirect="/account/login/"),
    "password_change": Route(USER),
    "password_change_done": Route(USER),
    "password_reset": Route(PUBLIC),
    "password_reset_done": Route(PUBLIC),
    "password_reset_confirm": Route(PUBLIC, kwargs=(("uidb64", "MQ"), ("token", "x-y"))),
    "password_reset_complete": Route(PUBLIC),
    "set_language": Route(PUBLIC, method="post", ok_status=302, redirect="/"),
    "health": Route(PUBLIC),
    "metrics": Route(PUBLIC, ok_status=404),  # only with the operator's token
    "pupils:list": Route(STAFF),
    "pupils:create": Route(frozenset({Role.DIRECTOR, Role.ADMINISTRATOR})),
    "pupils:emergency_search": Route(STAFF),
    "pupils:emergency_sheets": Route(frozenset({Role.TEACHER, Role.DIRECTOR})),
    "pupils:question_contacts_index": Route(
        frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}), redirect=r"/pupils/questions/\d+/"
    ),
    "portal:home": Route(USER),
    "notices_read": Route(USER, method="post", ok_status=302, redirect="/"),
    "consents:portal_index": Route(USER),
    "consents:class_index": Route(STAFF),
    "consents:campaign_index": Route(STAFF),
    "consents:proof_index": Route(frozenset({Role.DIRECTOR, BoardRole.PRIVACY_OFFICER})),
    "consents:publication_index": Route(STAFF, redirect=r"/consents/schools/\d+/publications/"),
    "consents:purpose_list": Route(MANAGERS),
    "consents:purpose_create": Route(MANAGERS),
    "suppliers:list": Route(REGISTER),
    "suppliers:create": Route(REGISTER),
    "suppliers:recipient_create": Route(REGISTER),
    "suppliers:public_school": Route(PUBLIC, kwargs=(("brin", "99RB"),)),
    "suppliers:breaches": Route(frozenset({BoardRole.PRIVACY_OFFICER})),
    "suppliers:breach_create": Route(frozenset({BoardRole.PRIVACY_OFFICER})),
    "suppliers:register": Route(frozenset({BoardRole.PRIVACY_OFFICER})),
    "suppliers:document_create": Route(REGISTER),
    "reauthenticate": Route(USER),
    "two_step_setup": Route(USER),
    # A verified user goes on; one without a second step sets it up.
    "two_step_verify": Route(USER, ok_status=302, redirect="/(account/two-step/)?"),
    # New codes need the second step first.
    "recovery_codes_new": Route(USER, method="post", redirect="/account/two-step/verify/"),
    "requests:portal_index": Route(USER),
    "requests:dashboard": Route(REQUEST_STAFF),
    "requests:closed": Route(REQUEST_STAFF),
    "requests:settings": Route(MANAGERS),
    "requests:retention": Route(frozenset({BoardRole.PRIVACY_OFFICER})),
    "sync:index": Route(frozenset({Role.DIRECTOR, Role.ADMINISTRATOR})),
    "sync:parents": Route(frozenset({Role.DIRECTOR, Role.ADMINISTRATOR})),
    "sync:year": Route(frozenset({Role.DIRECTOR, Role.ADMINISTRATOR})),
    "sync:invite": Route(
        frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
        method="post",
        ok_status=302,
        redirect="/sync/parents/",
    ),
    "staff:index": Route(STAFF_MANAGERS),
    "staff:invite": Route(STAFF_MANAGERS),
    "staff:board_invite": Route(frozenset({BoardRole.BOARD_ADMINISTRATOR})),
    "staff:groups_index": Route(STAFF_MANAGERS),
    "staff:group_create": Route(STAFF_MANAGERS),
    # An answer of a provider that nobody asked for: back to the login page (or home).
    "signin:callback": Route(PUBLIC, redirect="/(account/login/)?"),
    "signin:providers": Route(frozenset({BoardRole.BOARD_ADMINISTRATOR})),
    # A provider's settings open only after the password is confirmed (schoolprivacy/reauth.py).
    "signin:provider_create": Route(
        frozenset({BoardRole.BOARD_ADMINISTRATOR}), redirect=r"/account/confirm/\?next=\S+"
    ),
    "signin:attempts": Route(
        frozenset({BoardRole.PRIVACY_OFFICER, BoardRole.BOARD_ADMINISTRATOR})
    ),
    "portal:accept_invitation": Route(
        PUBLIC, kwargs=(("token", "not-a-real-token"),), ok_status=404
    ),
}

# Routes about one pupil: tested with real objects, every role, in the app's matrix.
OBJECT_ROUTES = (
    COVERED_URL_NAMES
    | CONSENT_URL_NAMES
    | SUPPLIER_URL_NAMES
    | REQUEST_URL_NAMES
    | SYNC_URL_NAMES
    | STAFF_URL_NAMES
    | SIGNIN_URL_NAMES
)

# The technical admin site guards itself (is_staff); it is checked separately.
SELF_GUARDED_NAMESPACES = {"admin"}


def named_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in SELF_GUARDED_NAMESPACES:
                continue
            yield from named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"every URL needs a name: {pattern.pattern}"
            yield f"{namespace}{pattern.name}"


def test_every_route_is_classified():
    unclassified = sorted(set(named_routes()) - set(ROUTES) - OBJECT_ROUTES)
    assert unclassified == [], "add these routes to ROUTES with who may open them"


def demo_users():
    """(e-mail, role or None) of every demo login."""
    staff = [(email, role) for email, _, _, role in data.STAFF]
    parents = [(email, None) for email, _ in data.PARENTS.values()]
    return [*staff, *parents, (data.TECHNICAL_ADMIN[0], None)]


def expected_ok(route: Route, role) -> bool:
    if route.access in (PUBLIC, USER):
        return True
    return role in route.access


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_route_answers_each_role_as_classified(client, demo, name):
    route = ROUTES[name]
    heartbeat_record(name="beat")  # beat and the worker are running (/health/ asks)
    url = reverse(name, kwargs=dict(route.kwargs))
    request = getattr(client, route.method)

    client.logout()
    response = request(url)
    if route.access == PUBLIC:
        assert response.status_code in (route.ok_status, 302), (name, "anonymous")
        if response.status_code == 302:
            assert route.sends_on(response), (name, "anonymous", response["Location"])
    else:
        assert response.status_code == 302, (name, "anonymous")
        assert response["Location"].startswith(reverse("login")), (name, "anonymous")

    for email, role in demo_users():
        client.force_login(User.objects.get(email=email))
        response = request(url)
        if expected_ok(route, role):
            assert response.status_code in (route.ok_status, 302), (name, email)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                # One submission, one effect: every form a user posts carries its key.
                html = response.content.decode()
                assert post_forms_without_key(html) == [], (name, email)
                # Labels as Dutch writes them: a capital, no space before a colon.
                assert unwritten_labels(html) == [], (name, email)
            if response.status_code == 302:
                assert route.sends_on(response), (name, email, response["Location"])
        else:
            assert response.status_code == 404, (name, email)


@pytest.mark.django_db
def test_the_technical_admin_site_is_only_for_technical_administrators(client, demo):
    for email, *_ in data.STAFF:
        client.force_login(User.objects.get(email=email))
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    client.force_login(User.objects.get(email=data.TECHNICAL_ADMIN[0]))
    assert client.get("/admin/").status_code == 200
