"""``{% action_url "name" arg… as url %}``: a link another app offers on this page; and
``{% page_sections "page" obj %}``: the sections apps add to every page about *obj*."""

from django import template
from django.utils.safestring import mark_safe

from schoolprivacy import sections

register = template.Library()


@register.simple_tag(takes_context=True)
def action_url(context, name: str, *args) -> str:
    request = context.get("request")
    return sections.action_url(name, request, *args) if request is not None else ""


@register.simple_tag(takes_context=True)
def page_sections(context, page: str, obj) -> str:
    """``{% page_sections "ask" pupil %}``: what apps add to every page about *obj*."""
    request = context.get("request")
    if request is None or obj is None:
        return ""
    return mark_safe("".join(sections.render(page, request, obj)))  # noqa: S308 (rendered templates)
