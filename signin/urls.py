from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("<uuid:uid>/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/new/", views.provider_edit, name="provider_create"),
    path("providers/<int:pk>/", views.provider_edit, name="provider_edit"),
    path("attempts/", views.attempt_list, name="attempts"),
]
