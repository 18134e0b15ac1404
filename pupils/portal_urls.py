"""The parent portal."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("child/<int:pk>/", views.portal_child, name="child"),
    path("child/<int:pk>/entries/<slug:kind>/", views.portal_entries, name="entries"),
    path("child/<int:pk>/access/", views.portal_access_history, name="access_history"),
    path("child/<int:pk>/parents/", views.portal_parents_access, name="parents_access"),
    path("contact/", views.portal_contact, name="contact"),
    path("child/<int:pk>/documents/<uuid:uid>/", views.portal_document, name="document"),
    path(
        "child/<int:pk>/emergency-contacts/",
        views.emergency_contacts,
        {"portal": True},
        name="emergency_contacts",
    ),
    path(
        "child/<int:pk>/emergency-contacts/<int:contact_pk>/",
        views.emergency_contact_edit,
        {"portal": True},
        name="emergency_contact",
    ),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
