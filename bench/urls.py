"""The production URLconf with the bench's floor views in front (bench settings only)."""

from django.urls import path

from schoolprivacy.urls import handler404  # noqa: F401
from schoolprivacy.urls import urlpatterns as production

from . import views

urlpatterns = [
    path("bench/f0/", views.bare, name="bench_f0"),
    path("bench/fd/", views.django_floor, name="bench_fd"),
    path("bench/f1/", views.floor, name="bench_f1"),
    *production,
]
