"""The language a person reads: chosen with the switch, kept with the account.

The interface follows the language cookie (DutchFirstLocaleMiddleware); e-mails,
answers and copies follow ``User.language``. These two helpers keep them the same:
a choice made with the switch is kept with the account, also when it was made on the
login or invitation page just before logging in, and on a device without a choice
the account's language is the interface's from the login on.
"""

from django.conf import settings
from django.http import HttpResponse

from .authorization import LoggedInRequest
from .services import language_choose


def set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def after_login(request: LoggedInRequest, response: HttpResponse) -> HttpResponse:
    """Call with the response of a successful login (request.user is the new user)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        language_choose(user=request.user, language=chosen)
    else:
        set_cookie(response, request.user.language)
    return response
