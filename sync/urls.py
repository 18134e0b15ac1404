from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.run, name="run"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("parents/", views.parents, name="parents"),
    path("parents/invite/", views.invite, name="invite"),
    path("<int:pk>/columns/", views.columns, name="columns"),
    path("year/", views.year, name="year"),
    path("notices/<int:pk>/", views.notice_settle, name="notice_settle"),
]
