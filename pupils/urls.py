from django.urls import path

from . import views

app_name = "pupils"

urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("new/", views.pupil_create, name="create"),
    path("questions/", views.question_contacts_index, name="question_contacts_index"),
    path("questions/<int:school_pk>/", views.question_contacts, name="question_contacts"),
    path("emergency/", views.emergency_search, name="emergency_search"),
    path("<int:pk>/", views.pupil_detail, name="detail"),
    path("<int:pk>/edit/", views.pupil_edit, name="edit"),
    path("<int:pk>/group/", views.pupil_change_group, name="change_group"),
    path("<int:pk>/history/", views.pupil_history, name="history"),
    path("<int:pk>/entries/<slug:kind>/", views.pupil_entries, name="entries"),
    path("<int:pk>/entries/<slug:kind>/new/", views.entry_add, name="entry_add"),
    path("<int:pk>/special/", views.special_list, name="special"),
    path("<int:pk>/special/new/", views.special_add, name="special_add"),
    path("<int:pk>/emergency/", views.emergency_open, name="emergency"),
    path("<int:pk>/parents/new/", views.parent_add, name="parent_add"),
    path("<int:pk>/declarations/", views.declarations, name="declarations"),
    path("<int:pk>/parents/<int:guardianship_pk>/", views.guardianship_edit, name="guardianship"),
    path(
        "<int:pk>/parents/<int:guardianship_pk>/contact/",
        views.parent_contact_edit,
        name="parent_contact",
    ),
    path("<int:pk>/entries/<slug:kind>/<int:entry_pk>/", views.entry_detail, name="entry"),
    path(
        "<int:pk>/entries/<slug:kind>/<int:entry_pk>/correct/",
        views.entry_correct,
        name="entry_correct",
    ),
    path(
        "<int:pk>/entries/<slug:kind>/<int:entry_pk>/documents/new/",
        views.document_add,
        name="document_add",
    ),
    path("<int:pk>/documents/<uuid:uid>/", views.document_download, name="document"),
    path("<int:pk>/special/<int:record_pk>/end/", views.special_end, name="special_end"),
    path(
        "<int:pk>/special/<int:record_pk>/replace/", views.special_replace, name="special_replace"
    ),
    path("<int:pk>/emergency-contacts/", views.emergency_contacts, name="emergency_contacts"),
    path(
        "<int:pk>/emergency-contacts/<int:contact_pk>/",
        views.emergency_contact_edit,
        name="emergency_contact",
    ),
    path("groups/emergency-sheets/", views.emergency_sheets, name="emergency_sheets"),
    path("groups/<int:group_pk>/emergency-sheet/", views.emergency_sheet, name="emergency_sheet"),
]
