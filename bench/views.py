"""The floors every figure is divided by. Routed only by bench/urls.py.

F0 is the least Django can do for a request: the middleware stack and a fixed
response. FD, the Django floor, is the least a logged-in page can cost in Django: a
``login_required`` view answering a fixed text, served by a handler with only the stock
session and authentication middleware (bench/floor.py): the session's row and the
user's, two queries, nothing of this project. F1 is the least a real page of this
project does: a logged-in user through the whole stack (session, user, two-step check,
session limits, audit), one indexed query and a small template, rendered as every page
is, with the project's context processors (the menu). The targets are set on FD: what
F1 costs above it is the project's fixed cost per request, which every page pays.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from schoolprivacy.models import School


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def django_floor(request):
    # The user is read by login_required (request.user.is_authenticated): the session's
    # query and the user's, and nothing else.
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def floor(request):
    school = School.objects.only("name", "brin").get(pk=request.GET.get("school", 1))
    return render(request, "bench/floor.html", {"school": school})
