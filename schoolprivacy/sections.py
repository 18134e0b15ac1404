"""Sections and links that apps add to another app's page, without that app importing them.

The pupil page (pupils app) shows a consent summary (consents app): consents
registers a provider for "pupil"; the pupil view renders whatever is
registered. Likewise an app registers an *action*, a link builder: the parent's
dossier page (pupils) puts "this is not right" next to each field, linking to
the correction request of the requests app, through ``{% action_url %}``.
Arrows keep pointing down the app list.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Provider = Callable[[HttpRequest, object], SafeString | str | None]

_providers: dict[str, list[Provider]] = {}


def register(page: str, provider: Provider) -> None:
    providers = _providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def render(page: str, request: HttpRequest, obj) -> list[SafeString | str]:
    """The HTML of every section registered for *page* that has something to show (the
    providers return render_to_string's SafeString: a plain str would be escaped)."""
    rendered = (provider(request, obj) for provider in _providers.get(page, []))
    return [html for html in rendered if html]


Action = Callable[..., str | None]

_actions: dict[str, Action] = {}


def register_action(name: str, builder: Action) -> None:
    """Offer the link *name*; *builder* gets the request and the page's arguments."""
    _actions[name] = builder


def action_url(name: str, request: HttpRequest, *args) -> str:
    """The link of the action *name* for these arguments, or "" when none is offered."""
    builder = _actions.get(name)
    return (builder(request, *args) or "") if builder else ""
