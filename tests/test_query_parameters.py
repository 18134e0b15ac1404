"""Every query parameter a page reads, fuzzed: a wrong value is a 400 or a 404, or the page
works; never a server error (Django's debug page in `make run`, "500" in production).

The parameters are found in the sources (``request.GET.get("...")``), so a page that reads
a new one fails `test_every_query_parameter_is_fuzzed` until it is listed here. The
technical admin site is fuzzed on its own: every list with a search, a sort and a page
number that are not what it expects.
"""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from demo import data
from pupils.models import Pupil
from schoolprivacy.models import School, User
from schoolprivacy.services import heartbeat_record
from tests.test_route_matrix import PUBLIC, ROUTES, USER, demo_users
from tests.twostep import authenticator_of

ROOT = Path(__file__).resolve().parent.parent
APPS = ("schoolprivacy", "pupils", "consents", "suppliers", "requests", "sync", "staff")

#: Every query parameter a view reads (found in the sources, see below).
PARAMETERS = (
    "school",
    "page",
    "q",
    "year",
    "kind",
    "field",
    "item",
    "format",
    "pupil",
    "next",
    "sort",
    "group",
    "year_group",
    "consent",
    "request",
)

#: Values a careless link, a typing error or a prober sends instead of an id or a number.
BAD_VALUES = (
    "abc",
    "-1",
    "0",
    "1.5",
    "1e3",
    "0x1F",
    " ",
    "99999999999999999999",  # beyond a 64-bit integer
    "9" * 5000,  # beyond Python's limit for int()
    "'\"%_\\",
    "[]",
)

ALLOWED = {200, 302, 400, 404}


def parameters_in_sources() -> set[str]:
    found = set()
    pattern = re.compile(r"request\.GET(?:\.get|\.getlist|\[)\(?\s*[\"'](\w+)[\"']")
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_query_parameter_is_fuzzed():
    assert sorted(parameters_in_sources() - set(PARAMETERS)) == [], "add them to PARAMETERS"


def user_for(access) -> User | None:
    """A demo login that may open a route of *access* (None: anonymous)."""
    if access == PUBLIC:
        return None
    for email, role in demo_users():
        if access == USER or role in access:
            return User.objects.get(email=email)
    raise AssertionError(f"no demo user for {access}")


def object_pages() -> list[tuple[str, User]]:
    """Pages about one object that read query parameters, with a demo user who may open them."""
    director = User.objects.get(email="directeur@regenboog.example")
    parent = User.objects.get(email=data.PARENTS["bakker"][0])
    school = School.objects.get(brin="99RB")
    pupil = Pupil.objects.get(guardianships__parent=parent, school=school)
    return [
        (reverse("pupils:history", args=[pupil.pk]), director),
        (reverse("staff:member", args=[User.objects.get(email=data.STAFF[5][0]).pk]), director),
        (reverse("consents:publication_list", args=[school.pk]), director),
        (reverse("consents:takedown_list", args=[school.pk]), director),
        (reverse("consents:school_proof", args=[school.pk]), director),
        (reverse("consents:pupil_proof", args=[pupil.pk]), director),
        (reverse("requests:portal_new", args=[pupil.pk, "access"]), parent),
        (reverse("requests:portal_new", args=[pupil.pk, "erasure"]), parent),
        (reverse("requests:portal_correct", args=[pupil.pk, "pupil", pupil.pk]), parent),
    ]


def fuzz(client, url: str, user: User | None) -> list[str]:
    """The wrong answers of *url* to every bad value of every parameter at once."""
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    wrong = []
    for value in BAD_VALUES:
        response = client.get(url, {name: value for name in PARAMETERS})
        if response.status_code not in ALLOWED:
            wrong.append(f"{url} ?…={value[:24]!r}: {response.status_code}")
    return wrong


@pytest.mark.django_db
def test_no_page_fails_on_a_query_parameter_it_did_not_expect(client, demo):
    client.raise_request_exception = False
    heartbeat_record(name="beat")  # /health/ answers 200, not 503
    wrong = []
    for name, route in sorted(ROUTES.items()):
        if route.method != "get":
            continue
        url = reverse(name, kwargs=dict(route.kwargs))
        wrong += fuzz(client, url, user_for(route.access))
    for url, user in object_pages():
        wrong += fuzz(client, url, user)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_a_school_that_is_not_a_number_is_not_found_on_the_enrolment_page(client, demo):
    client.force_login(User.objects.get(email="directeur@regenboog.example"))
    for value in ("abc", "1.5", "99999999999999999999", "9" * 5000):
        assert client.get(reverse("pupils:create"), {"school": value}).status_code == 404
    other = School.objects.get(brin=data.SCHOOLS[1]["brin"])
    assert client.get(reverse("pupils:create"), {"school": other.pk}).status_code == 404
    own = School.objects.get(brin=data.SCHOOLS[0]["brin"])
    response = client.get(reverse("pupils:create"), {"school": own.pk})
    assert response.status_code == 200
    assert response.context["school"] == own


@pytest.mark.django_db
def test_every_admin_list_answers_a_search_a_sort_and_a_page_it_did_not_expect(client, demo):
    client.raise_request_exception = False
    client.force_login(User.objects.get(email=data.TECHNICAL_ADMIN[0]))
    wrong = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if client.get(url).status_code == 403:
            continue  # the technical administrator does not see this list at all
        for query in ({"q": "x"}, {"q": "1"}, {"o": "abc"}, {"p": "abc"}, {"q": "'%_\\"}):
            response = client.get(url, query)
            if response.status_code not in ALLOWED:
                wrong.append(f"{url} {query}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_the_audit_log_can_be_searched_by_who_did_it(client, demo):
    from schoolprivacy.audit_entry import AuditEntry

    director = User.objects.get(email="directeur@regenboog.example")
    entry = AuditEntry.objects.filter(actor__isnull=False).first() or AuditEntry.objects.create(
        content_type_id=1, object_pk="1", object_repr="x", action=0, actor=director
    )
    client.force_login(User.objects.get(email=data.TECHNICAL_ADMIN[0]))
    url = reverse("admin:schoolprivacy_auditentry_changelist")
    response = client.get(url, {"q": entry.actor.email})
    assert response.status_code == 200
    assert entry in response.context["cl"].result_list
    response = client.get(url, {"q": "nobody-by-this-name.example"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


@pytest.mark.django_db
def test_a_next_page_that_is_not_a_path_on_this_site_goes_to_the_overview(client, user, password):
    """redirect() would take a word for the name of a page, and fail on an unknown one."""
    authenticator_of(user)
    client.force_login(user)
    for target in ("abc", "home", "https://elders.example/", "//elders.example/"):
        response = client.get(reverse("two_step_verify"), {"next": target})
        assert (response.status_code, response["Location"]) == (302, reverse("home"))
        response = client.post(reverse("reauthenticate"), {"password": password, "next": target})
        assert (response.status_code, response["Location"]) == (302, reverse("home"))
    response = client.get(reverse("two_step_verify"), {"next": "/account/"})
    assert response["Location"] == "/account/"
