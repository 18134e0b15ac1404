"""Signing in through a board's identity provider, and the board's settings for it."""

import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from schoolprivacy import languages, reauth, security
from schoolprivacy.authorization import LoggedInRequest, hidden
from schoolprivacy.capabilities import Capability, require_capability
from schoolprivacy.forms import add_service_errors
from schoolprivacy.paging import page_of

from . import oidc, saml, selectors, services
from .forms import ProviderForm
from .models import SignInAttempt
from .permissions import PROVIDERS, boards_to_set_up

logger = logging.getLogger(__name__)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
#: The session keys of a sign-in through a provider: which one, and its ID token (the
#: hint for ending the provider's session too).
SESSION_PROVIDER = "signin_provider"
SESSION_ID_TOKEN = "signin_id_token"  # noqa: S105 (a session key, not a secret)
#: A SAML provider's session (saml.Session), to end it too at logout.
SESSION_SAML = "signin_saml"

Reason = SignInAttempt.Reason
Outcome = SignInAttempt.Outcome


def _refusal_message(reason: str, provider_name: str) -> str:
    messages_by_reason: dict[str, str] = {
        Reason.UNKNOWN_USER: _(
            "%(provider)s knows you, but this app has no staff account with that address. "
            "Ask your school's administrator for an invitation."
        ),
        Reason.INACTIVE: _("Your account in this app is switched off. Ask your school."),
        Reason.NOT_STAFF: _(
            "Your account has no role at this school board. Ask your school's administrator."
        ),
        Reason.UNVERIFIED: _(
            "%(provider)s did not confirm your e-mail address, so we cannot tell who you are."
        ),
        Reason.OTHER_DOMAIN: _(
            "Your address at %(provider)s is not one of this school board's addresses."
        ),
        Reason.MFA_MISSING: _(
            "Your school board asks for a second factor at %(provider)s (for example the "
            "Authenticator app). Sign in there with it and try again."
        ),
        Reason.UNREACHABLE: _("%(provider)s cannot be reached just now. Try again later."),
        Reason.OTHER_USER: _(
            "You confirmed as someone else than who is logged in here. Nothing was opened."
        ),
        Reason.OTHER_TENANT: _(
            "You signed in at %(provider)s with an account of another organisation than "
            "your school board. Sign in with your school account."
        ),
        Reason.LINKED_ELSEWHERE: _(
            "Your account in this app is linked to another account at %(provider)s. "
            "Ask your school's administrator."
        ),
        Reason.NOT_HERE: _(
            "Your account may not log in through %(provider)s. Log in with your password."
        ),
        Reason.NO_SUBJECT: _(
            "%(provider)s did not send a lasting identifier for you, so we cannot tell who "
            "you are. Ask your school's administrator to have it send a persistent NameID."
        ),
        Reason.STALE: _(
            "%(provider)s did not ask you to log in again, so nothing was opened. Try "
            "again, or type your password."
        ),
    }
    default = _("Logging in through %(provider)s did not work or took too long. Try again.")
    return messages_by_reason.get(reason, default) % {"provider": provider_name}


def _next(request) -> str:
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _address(name: str) -> str:
    """Our address *name* as a provider knows it: made of SITE_URL, never of the host the
    request names, so that it is the same whichever allowed host the browser used."""
    return settings.SITE_URL + reverse(name)


def _client_address(request) -> str | None:
    return get_client_ip_address(request) or None


@require_GET
@never_cache
def start(request, uid):
    """Off to the provider: to log in, or (``?confirm=1``, logged in through it) to
    confirm who one is before a sensitive step."""
    provider = selectors.provider_in_use(uid)
    if provider is None:
        hidden()
    confirm = request.GET.get("confirm") == "1"
    if confirm and not request.user.is_authenticated:
        return redirect("login")
    purpose = "confirm" if confirm else "sign_in"
    try:
        if provider.is_saml:
            url = saml.begin(request, provider, purpose=purpose, next_url=_next(request))
        else:
            url = oidc.begin(
                request.session,
                provider,
                redirect_uri=_address("signin:callback"),
                purpose=purpose,
                next_url=_next(request),
            )
    except oidc.Refused as refused:
        services.attempt_record(
            provider=provider,
            outcome=Outcome.REFUSED,
            reason=refused.reason,
            remote_addr=_client_address(request),
        )
        messages.error(request, _refusal_message(refused.reason, provider.name))
        return redirect("home" if confirm else "login")
    return redirect(url)


@require_GET
@never_cache
def callback(request):
    """The OpenID Connect provider's answer: checked, matched to a staff account, logged in."""
    try:
        answer = oidc.finish(request.session, request.GET)
        if answer.purpose == "confirm":
            return _confirmed(request, answer)
        user, mfa = services.identify(answer)
    except oidc.Refused as refused:
        return _refused(request, refused)
    _log_in(request, user, mfa=mfa, provider=answer.provider)
    request.session[SESSION_ID_TOKEN] = answer.id_token
    return _signed_in(request, answer, user)


def _log_in(request, user, *, mfa: bool, provider) -> None:
    login(request, user, backend=MODEL_BACKEND)
    security.session_started(request)
    reauth.stamp(request)
    if mfa:
        otp_login(request, services.mfa_device(user))
    request.session[SESSION_PROVIDER] = str(provider.uid)


def _signed_in(request, answer: oidc.Answer, user):
    services.attempt_record(
        provider=answer.provider,
        outcome=Outcome.SIGNED_IN,
        claims=answer.claims,
        user=user,
        remote_addr=_client_address(request),
    )
    return languages.after_login(request, redirect(answer.next_url or "home"))


# The provider's own words on an error (Entra ID's hold line breaks): never used or shown,
# so the core's check of the query leaves them be (schoolprivacy/middleware.py).
callback.lenient_query = frozenset({"error_description"})  # type: ignore[attr-defined]


def _saml_provider(uid):
    provider = selectors.provider_in_use(uid)
    if provider is None or not provider.is_saml:
        hidden()
    return provider


@require_GET
def saml_metadata(request, uid):
    """Our SAML metadata for this provider, at a stable address to hand to it."""
    provider = _saml_provider(uid)
    return HttpResponse(
        saml.sp_metadata(provider),
        content_type="application/samlmetadata+xml",
    )


@csrf_exempt  # posted by the provider; it answers a request of this session (InResponseTo)
@require_POST
@never_cache
def saml_acs(request, uid):
    """The SAML provider's answer: checked, matched to a staff account, logged in.

    Posted across sites, it arrives without our session cookie (SameSite=Lax), so the
    first time it is posted once more from a page of ours, which carries it."""
    provider = _saml_provider(uid)
    if request.POST.get("again") != "1":
        return render(
            request,
            "signin/saml_again.html",
            {"response": request.POST.get("SAMLResponse", "")},
        )
    try:
        answer, session = saml.finish(request, provider)
        if answer.purpose == "confirm":
            return _confirmed(request, answer)
        user, mfa = services.identify(answer)
    except oidc.Refused as refused:
        return _refused(request, refused)
    _log_in(request, user, mfa=mfa, provider=provider)
    request.session[SESSION_SAML] = session.as_dict()
    return _signed_in(request, answer, user)


@require_GET
@never_cache
def saml_sls(request, uid):
    """The SAML provider's single logout: its answer to ours (back to the login page), or
    its own request to end this browser's session, answered."""
    provider = _saml_provider(uid)

    def end_session():
        if request.session.get(SESSION_PROVIDER) == str(provider.uid):
            logout(request)

    session = request.session.get(SESSION_SAML) or {}
    url = saml.logout_answer(
        request, provider, name_id=session.get("name_id", ""), end_session=end_session
    )
    if url is None:
        hidden()
    return redirect(url or "login")


def _refused(request, refused: oidc.Refused):
    if refused.provider is None:  # no sign-in of ours: nothing to keep for a board
        logger.warning("sign-in answer refused: %s", refused.reason)
        name = _("your school's login")
    else:
        services.attempt_record(
            provider=refused.provider,
            outcome=Outcome.REFUSED,
            reason=refused.reason,
            claims=refused.claims,
            remote_addr=_client_address(request),
        )
        name = refused.provider.name
    messages.error(request, _refusal_message(refused.reason, name))
    return redirect("home" if request.user.is_authenticated else "login")


def _confirmed(request, answer: oidc.Answer):
    user = request.user
    if not user.is_authenticated or not services.confirmed_user(answer, user):
        raise oidc.Refused(Reason.OTHER_USER, answer.provider, answer.claims)
    request.session.cycle_key()
    reauth.stamp(request)
    services.attempt_record(
        provider=answer.provider,
        outcome=Outcome.CONFIRMED,
        claims=answer.claims,
        user=user,
        remote_addr=_client_address(request),
    )
    return redirect(answer.next_url or "home")


# --- What the core's pages show (schoolprivacy.sections) --------------------------------


def login_section(request, _obj) -> str | None:
    """The login page's buttons: one per provider in use."""
    providers = selectors.providers_for_login()
    if not providers:
        return None
    target = _next(request)
    query = urlencode({"next": target}) if target else ""
    return render_to_string(
        "signin/login_buttons.html",
        {
            "providers": providers,
            "query": query,
            # Where boards share the app, each button says whose accounts it takes.
            "several_boards": len({p.board_id for p in providers}) > 1,
        },
        request=request,
    )


def confirm_section(request, target: str) -> str | None:
    """On the confirmation page: confirm at the provider one logged in through."""
    provider = selectors.provider_in_use(request.session.get(SESSION_PROVIDER, ""))
    if provider is None:
        return None
    query = urlencode({"confirm": "1", "next": target or reverse("home")})
    return render_to_string(
        "signin/confirm_button.html", {"provider": provider, "query": query}, request=request
    )


def end_session(request) -> str | None:
    """Where logging out sends the browser on to end the provider's session too."""
    provider = selectors.provider_in_use(request.session.get(SESSION_PROVIDER, ""))
    if provider is not None and provider.is_saml:
        session = request.session.get(SESSION_SAML)
        if not session:
            return None
        return saml.logout_url(request, provider, session, return_to=_address("login")) or None
    id_token = request.session.get(SESSION_ID_TOKEN, "")
    if provider is None or not id_token:
        return None
    return oidc.end_session_url(provider, id_token=id_token, return_to=_address("login"))


# --- The board's settings and the sign-ins ------------------------------------------------


@require_capability(Capability.SIGN_IN_SETTINGS)
def provider_list(request: LoggedInRequest):
    return render(
        request,
        "signin/providers.html",
        {
            "providers": selectors.providers_of(request.user),
            "callback": _address("signin:callback"),
            "after_logout": _address("login"),
        },
    )


@require_capability(Capability.SIGN_IN_SETTINGS)
@reauth.require_recent_login
def provider_edit(request: LoggedInRequest, pk=None):
    provider = PROVIDERS.get(request.user, pk, "change") if pk is not None else None
    form = ProviderForm(
        request.POST or None, instance=provider, boards=boards_to_set_up(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_save(provider=form.save(), secret=form.cleaned_data["secret"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The identity provider is saved."))
            return redirect("signin:providers")
    return render(
        request,
        "signin/provider_form.html",
        {
            "form": form,
            "provider": provider,
            "callback": _address("signin:callback"),
            "saml": (
                saml.sp_urls(provider) if provider is not None and provider.is_saml else None
            ),
        },
    )


@require_capability(Capability.SIGN_IN_LOG)
def attempt_list(request: LoggedInRequest):
    everything = request.GET.get("all") == "1"
    page = page_of(
        selectors.attempts_seen(request.user, refused_only=not everything),
        request.GET.get("page"),
        50,
    )
    return render(request, "signin/attempts.html", {"page": page, "everything": everything})
