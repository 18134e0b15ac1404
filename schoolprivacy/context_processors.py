from .navigation import items_for


def navigation(request):
    """The menu, made once per request: a section rendered into a page (sections.py) is a
    template of its own, and would otherwise make the whole menu again."""
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    items = getattr(request, "_schoolprivacy_nav_items", None)
    if items is None:
        items = request._schoolprivacy_nav_items = items_for(user, request.path)
    return {"nav_items": items}
