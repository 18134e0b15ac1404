from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("invite/", views.invite, name="invite"),
    path("board/invite/", views.board_invite, name="board_invite"),
    path("groups/", views.groups_index, name="groups_index"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("<int:pk>/", views.member, name="member"),
    path("<int:pk>/roles/", views.roles, name="roles"),
    path("<int:pk>/groups/", views.groups, name="groups"),
    path("<int:pk>/pupils/", views.follow, name="follow"),
    path("<int:pk>/account/", views.switch, name="switch"),
    path("<int:pk>/invitation/", views.send_invitation, name="send_invitation"),
]
