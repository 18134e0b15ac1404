"""``{% entry_actions pupil target pk %}``: "not right?" and "ask to delete" under an entry of
the parent's dossier page, the links the requests app offers (schoolprivacy.sections).

One tag rather than an included template: the page shows it under every entry."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from schoolprivacy import sections

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_actions(context, pupil, target: str, pk, field: str = "") -> str:
    request = context.get("request")
    if request is None or not context.get("correct"):
        return ""
    links = [
        (url, text)
        for url, text in (
            (
                sections.action_url("correct", request, pupil, target, pk, field),
                _("Not right? Ask for a correction"),
            ),
            (sections.action_url("erase", request, pupil, target, pk), _("Ask to delete this")),
        )
        if url
    ]
    if not links:
        return ""
    return format_html(
        '<p class="utrecht-paragraph sp-entry-actions">{}</p>',
        format_html_join(" · ", '<a class="utrecht-link" href="{}">{}</a>', links),
    )
