"""The two floors every figure is divided by. Routed only by bench/urls.py.

F0 is the least Django can do for a request: the middleware stack and a fixed
response. F1 is the least a real page does: a logged-in user through the whole
stack (session, user, two-step check), one indexed query and a small template,
rendered as every page is, with the project's context processors (the menu). The
bench checks that F1 itself does not grow with the board: the menu once read every
pupil on every page, and a floor that grows hides that in every ratio.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from schoolprivacy.models import School


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def floor(request):
    school = School.objects.only("name", "brin").get(pk=request.GET.get("school", 1))
    return render(request, "bench/floor.html", {"school": school})
