"""``{% action_url "name" arg… as url %}``: a link another app offers on this page."""

from django import template

from schoolprivacy import sections

register = template.Library()


@register.simple_tag(takes_context=True)
def action_url(context, name: str, *args) -> str:
    request = context.get("request")
    return sections.action_url(name, request, *args) if request is not None else ""
