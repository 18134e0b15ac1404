from .navigation import items_for, menu_of


def navigation(request):
    """The menu, made once per request: a section rendered into a page (sections.py) is a
    template of its own, and would otherwise make the whole menu again."""
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": [], "nav_menu": []}
    made = getattr(request, "_schoolprivacy_nav", None)
    if made is None:
        items = items_for(user, request.path)
        made = request._schoolprivacy_nav = {"nav_items": items, "nav_menu": menu_of(items)}
    return made
