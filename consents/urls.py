from django.urls import path

from . import views

app_name = "consents"

urlpatterns = [
    path("purposes/", views.purpose_list, name="purpose_list"),
    path("purposes/new/", views.purpose_create, name="purpose_create"),
    path("purposes/<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("purposes/<int:pk>/audience/", views.purpose_audience, name="purpose_audience"),
    path("", views.portal_index, name="portal_index"),
    path("child/<int:pk>/", views.portal_consents, name="portal"),
    path("child/<int:pk>/<int:purpose_pk>/", views.portal_decide, name="decide"),
    path("groups/", views.class_overview_index, name="class_index"),
    path("groups/<int:group_pk>/", views.class_overview, name="class_overview"),
    path("campaign/", views.campaign_index, name="campaign_index"),
    path("campaign/<int:group_pk>/", views.campaign_group, name="campaign_group"),
    path("pupils/<int:pk>/paper/", views.paper_form, name="paper_form"),
    path("forms/<int:pk>/scan/", views.paper_scan, name="paper_scan"),
    path("pupils/<int:pk>/event/", views.event_start, name="event_start"),
    path("pupils/<int:pk>/questions/", views.purpose_pick, name="purpose_pick"),
    path(
        "pupils/<int:pk>/questions/<int:pick_pk>/remove/",
        views.purpose_unpick,
        name="purpose_unpick",
    ),
    path("proof/", views.proof_index, name="proof_index"),
    path("proof/schools/<int:school_pk>/", views.school_proof, name="school_proof"),
    path("proof/pupils/<int:pk>/", views.pupil_proof, name="pupil_proof"),
    path("publications/", views.publication_index, name="publication_index"),
    path(
        "schools/<int:school_pk>/publications/",
        views.publication_list,
        name="publication_list",
    ),
    path(
        "schools/<int:school_pk>/publications/new/",
        views.publication_create,
        name="publication_create",
    ),
    path("schools/<int:school_pk>/takedowns/", views.takedown_list, name="takedown_list"),
    path(
        "schools/<int:school_pk>/takedowns/<int:pk>/done/",
        views.takedown_done,
        name="takedown_done",
    ),
]
