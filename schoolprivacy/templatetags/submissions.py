"""``{% submission_key %}``: the hidden key that makes a form's post count once
(schoolprivacy/submissions.py). A builtin: every template may use it without loading."""

import uuid

from django import template
from django.utils.html import format_html

from ..submissions import FIELD, key_of

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_key(context) -> str:
    request = context.get("request")
    # The form shown again after errors keeps its key (which its post gave back).
    key = key_of(request) if request is not None and request.method == "POST" else None
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, key or uuid.uuid4())
