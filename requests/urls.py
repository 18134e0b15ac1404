"""URLs of data-subject requests: the parent portal, the handlers' pages, the settings."""

from django.urls import path

from . import views, views_holds, views_settings

app_name = "requests"

urlpatterns = [
    # Parents (and pupils of 16+)
    path("mine/", views.portal_index, name="portal_index"),
    path("mine/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("mine/<int:pk>/withdraw/", views.portal_withdraw, name="portal_withdraw"),
    path("child/<int:pk>/ask/<slug:kind>/", views.portal_new, name="portal_new"),
    path(
        "child/<int:pk>/correct/<slug:target>/<int:target_id>/",
        views.portal_correct,
        name="portal_correct",
    ),
    path("copy/<uuid:uid>/", views.copy_download, name="copy_download"),
    # Handlers and the privacy officer
    path("", views.dashboard, name="dashboard"),
    path("closed/", views.closed, name="closed"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("notices/<int:pk>/", views.notice_settle, name="notice_settle"),
    path("<int:pk>/notices/legal/", views.notices_settle_legal, name="notices_settle_legal"),
    path("pupil/<int:pk>/new/", views.staff_new, name="staff_new"),
    path("pupil/<int:pk>/holds/", views_holds.legal_hold, name="legal_hold"),
    path("pupil/<int:pk>/holds/<int:hold_pk>/lift/", views_holds.hold_lift, name="hold_lift"),
    path("settings/", views_settings.settings_index, name="settings"),
    path("settings/school/<int:pk>/", views_settings.routing_save, name="routing_save"),
    path("settings/board/<int:pk>/holidays/", views_settings.holiday_add, name="holiday_add"),
    path(
        "settings/board/<int:pk>/holidays/<int:holiday_pk>/remove/",
        views_settings.holiday_remove,
        name="holiday_remove",
    ),
    path("retention/", views_holds.retention_report, name="retention"),
]
