"""The board's settings for signing in through its provider, and the sign-ins the privacy
officer sees: who may, what is kept, and what bad input does."""

import time

import pytest
from django.db import connection
from django.urls import reverse

from schoolprivacy.models import AuditEntry, BoardRole, Role
from signin.models import ExternalIdentity, IdentityProvider, SignInAttempt
from tests.factories import BoardMembershipFactory, MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db

# Pages about one provider, tested here with real objects (tests/test_route_matrix.py).
COVERED_URL_NAMES = {
    "signin:start",
    "signin:provider_edit",
    # tests/signin/test_saml.py
    "signin:saml_metadata",
    "signin:saml_acs",
    "signin:saml_sls",
}

ROLES = [Role.TEACHER, Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER]


@pytest.fixture
def board(idp):
    return idp.board


def member(board, role):
    if role in BoardRole.values:
        return BoardMembershipFactory(board=board, role=role).user
    return MembershipFactory(school=board.schools.get(), role=role).user


def log_in_recently(client, user):
    """Logged in, and confirmed who one is just now (changing a provider asks for it)."""
    client.force_login(user)
    session = client.session
    session["schoolprivacy_authenticated_at"] = int(time.time())
    session.save()


def form_data(**changes):
    data = {
        "name": "Microsoft",
        "protocol": "oidc",
        "issuer": "https://login.microsoftonline.com/tenant/v2.0",
        "client_id": "app-id-123",
        "secret": "s3cret-value-from-entra",
        "domain_list": "school.example, Bestuur.example",
        "address_claim": "email",
        "mfa_required": "on",
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_board_administrator_adds_a_provider(client, board):
    admin = member(board, BoardRole.BOARD_ADMINISTRATOR)
    log_in_recently(client, admin)
    response = client.post(
        reverse("signin:provider_create"), form_data(board=board.pk), follow=True
    )
    assert "De identiteitsprovider is bewaard." in response.content.decode()
    provider = IdentityProvider.objects.get(name="Microsoft")
    assert provider.domains == ["bestuur.example", "school.example"]
    assert provider.client_secret == "s3cret-value-from-entra"
    assert provider.mfa_required
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute(
            "SELECT client_secret FROM signin_identityprovider WHERE id = %s", [provider.pk]
        )
        assert "s3cret" not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(content_type__model="identityprovider", object_pk=provider.pk)
    assert entry.actor == admin
    assert "s3cret" not in str(entry.changes)


def test_changing_a_provider_keeps_its_secret_when_left_empty(client, board, idp):
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    response = client.post(
        reverse("signin:provider_edit", args=[idp.pk]),
        form_data(name="Google", secret="", domain_list="school.example"),
    )
    assert response.status_code == 302
    idp.refresh_from_db()
    assert (idp.name, idp.client_secret) == ("Google", "a-client-secret-for-the-tests")


def test_changing_a_provider_asks_to_confirm_who_one_is_first(client, board, idp):
    client.force_login(member(board, BoardRole.BOARD_ADMINISTRATOR))
    url = reverse("signin:provider_edit", args=[idp.pk])
    response = client.post(url, form_data(name="Google", domain_list="school.example"))
    assert response["Location"].startswith(reverse("reauthenticate"))
    idp.refresh_from_db()
    assert idp.name == "Schoolaccount"


def test_a_new_issuer_forgets_the_identities_linked_so_far(client, board, idp):
    teacher = member(board, Role.TEACHER)
    ExternalIdentity.objects.create(provider=idp, subject="abc", user=teacher)
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    client.post(
        reverse("signin:provider_edit", args=[idp.pk]),
        form_data(secret="", domain_list="school.example", issuer="https://ander.example"),
    )
    assert not ExternalIdentity.objects.filter(provider=idp).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"domain_list": " , "}, "Geef een of meer domeinen"),
        ({"issuer": "http://idp.example"}, "begint met https://"),
        ({"secret": ""}, "Nodig voor OpenID Connect"),
        ({"name": "Twee\nregels"}, ""),
        ({"address_claim": "preferred_username"}, "binnen de eigen organisatie"),
        ({"tenant_claim": "tid"}, "of geen van beide"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client, board, changes, message):
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    before = list(IdentityProvider.objects.values_list("pk", "name"))
    response = client.post(reverse("signin:provider_create"), form_data(board=board.pk, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    if message:
        assert summary(response).count(message) == 1  # said once
    assert list(IdentityProvider.objects.values_list("pk", "name")) == before


def summary(response) -> str:
    """The page's summary of what to mend (every message of the form, once each)."""
    page = response.content.decode()
    start = page.index("data-error-summary")
    return page[start : page.index("</div>", start)]


def test_a_wrong_issuer_is_not_also_called_missing(client, board):
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    response = client.post(
        reverse("signin:provider_create"), form_data(board=board.pk, issuer="http://idp.example")
    )
    assert "begint met https://" in summary(response)
    assert "Nodig voor OpenID Connect" not in summary(response)
    assert not IdentityProvider.objects.filter(name="Microsoft").exists()


def saml_form(**changes):
    data = {
        "name": "Entree",
        "protocol": "saml",
        "domain_list": "school.example",
        "address_attribute": "urn:oid:0.9.2342.19200300.100.1.3",
        "address_claim": "email",
        "context_list": "https://refeds.org/profile/mfa",
        "tenant_claim": "urn:mace:terena.org:attribute-def:schacHomeOrganization",
        "tenant": "school.example",
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_board_administrator_adds_a_saml_provider_from_its_metadata_address(
    client, board, saml_op
):
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    response = client.post(
        reverse("signin:provider_create"),
        saml_form(board=board.pk, idp_metadata_url=saml_op.entity_id),
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(name="Entree")
    assert provider.is_saml and saml_op.entity_id in provider.idp_metadata
    assert provider.mfa_contexts == ["https://refeds.org/profile/mfa"]
    assert provider.sp_certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in provider.sp_private_key
    with connection.cursor() as cursor:  # the key is encrypted at rest
        cursor.execute(
            "SELECT sp_private_key FROM signin_identityprovider WHERE id = %s", [provider.pk]
        )
        assert "PRIVATE" not in cursor.fetchone()[0]
    # The list links our metadata, to hand to the provider; its page shows our addresses.
    listing = client.get(reverse("signin:providers")).content.decode()
    assert reverse("signin:saml_metadata", args=[provider.uid]) in listing
    page = client.get(reverse("signin:provider_edit", args=[provider.pk])).content.decode()
    assert reverse("signin:saml_acs", args=[provider.uid]) in page
    # Saved again, the certificate stays: the provider keeps trusting it.
    certificate = provider.sp_certificate
    client.post(
        reverse("signin:provider_edit", args=[provider.pk]),
        saml_form(name="Entree Federatie", idp_metadata_url=saml_op.entity_id),
    )
    provider.refresh_from_db()
    assert (provider.name, provider.sp_certificate) == ("Entree Federatie", certificate)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Geef het adres van de metadata van de provider, of plak ze"),
        ({"tenant_claim": "", "tenant": ""}, "de organisatie van het bestuur noemt"),
        ({"idp_metadata": "<html>geen metadata</html>"}, "Dit is niet de metadata"),
        ({"idp_metadata_url": "http://127.0.0.1:9/metadata"}, "kon niet van dit adres"),
        ({"idp_metadata_url": "http://idp.example/metadata"}, "begint met https://"),
        ({"idp_metadata_url": "https://10.0.0.5/metadata"}, "niet op het openbare internet"),
        ({"idp_metadata_url": "https://169.254.169.254/"}, "niet op het openbare internet"),
    ],
    ids=[
        "nothing",
        "no organisation",
        "not metadata",
        "unreachable",
        "plain http",
        "private network",
        "cloud metadata service",
    ],
)
def test_bad_saml_input_is_explained_and_saves_nothing(client, board, changes, message):
    log_in_recently(client, member(board, BoardRole.BOARD_ADMINISTRATOR))
    before = list(IdentityProvider.objects.values_list("pk", "name"))
    response = client.post(reverse("signin:provider_create"), saml_form(board=board.pk, **changes))
    assert response.status_code == 200
    assert summary(response).count(message) == 1  # said once
    assert list(IdentityProvider.objects.values_list("pk", "name")) == before


@pytest.mark.parametrize("role", ROLES)
def test_no_one_else_sees_or_changes_the_settings(client, board, idp, role):
    client.force_login(member(board, role))
    assert client.get(reverse("signin:providers")).status_code == 404
    response = client.post(
        reverse("signin:provider_edit", args=[idp.pk]), form_data(name="Overgenomen")
    )
    assert response.status_code == 404
    idp.refresh_from_db()
    assert idp.name == "Schoolaccount"


def test_another_board_s_administrator_does_not_reach_the_provider(client, idp):
    other_board = SchoolFactory().board
    log_in_recently(client, member(other_board, BoardRole.BOARD_ADMINISTRATOR))
    assert client.get(reverse("signin:provider_edit", args=[idp.pk])).status_code == 404
    assert "Schoolaccount" not in client.get(reverse("signin:providers")).content.decode()


def test_anonymous_visitors_go_to_the_login_page(client, idp):
    for name, args in [("signin:providers", []), ("signin:provider_edit", [idp.pk])]:
        response = client.get(reverse(name, args=args))
        assert response["Location"].startswith(reverse("login"))


def test_the_start_of_a_sign_in_with_an_unknown_or_switched_off_provider_is_404(client, idp):
    IdentityProvider.objects.filter(pk=idp.pk).update(active=False)
    assert client.get(reverse("signin:start", args=[idp.uid])).status_code == 404


def test_the_privacy_officer_sees_the_refused_sign_ins_of_the_board(client, board, idp):
    SignInAttempt.objects.create(
        provider=idp, outcome="refused", reason="unknown_user", email="onbekend@school.example"
    )
    SignInAttempt.objects.create(provider=idp, outcome="signed_in", email="juf@school.example")
    other = IdentityProvider.objects.create(
        board=SchoolFactory().board,
        name="Elders",
        issuer="https://elders.example",
        client_id="x",
        client_secret="y",
        domains=["elders.example"],
    )
    SignInAttempt.objects.create(
        provider=other, outcome="refused", reason="inactive", email="elders@elders.example"
    )
    client.force_login(member(board, BoardRole.PRIVACY_OFFICER))
    html = client.get(reverse("signin:attempts")).content.decode()
    assert "onbekend@school.example" in html
    assert "geen account met dit adres" in html
    assert "juf@school.example" not in html  # refused ones only, unless asked
    assert "elders@elders.example" not in html
    everything = client.get(reverse("signin:attempts"), {"all": "1"}).content.decode()
    assert "juf@school.example" in everything


@pytest.mark.parametrize("role", [Role.TEACHER, Role.DIRECTOR, Role.ADMINISTRATOR])
def test_school_staff_do_not_see_the_sign_ins(client, board, role):
    client.force_login(member(board, role))
    assert client.get(reverse("signin:attempts")).status_code == 404


def test_sign_ins_are_kept_a_year_then_forgotten(idp):
    from datetime import timedelta

    from django.utils import timezone

    from signin import services

    old = SignInAttempt.objects.create(provider=idp, outcome="refused", reason="inactive")
    recent = SignInAttempt.objects.create(provider=idp, outcome="signed_in")
    SignInAttempt.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=366))
    SignInAttempt.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=364))
    assert services.old_attempts_forget() == 1
    assert list(SignInAttempt.objects.values_list("pk", flat=True)) == [recent.pk]
