from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="list"),
    path("new/", views.supplier_create, name="create"),
    path("<int:pk>/", views.supplier_edit, name="edit"),
    path("<int:pk>/fields/new/", views.field_set_create, name="field_set_create"),
    path("<int:pk>/documents/<slug:kind>/", views.supplier_document, name="document"),
    path("recipients/new/", views.recipient_create, name="recipient_create"),
    path("recipients/<int:pk>/", views.recipient_edit, name="recipient_edit"),
    path("school/<str:brin>/", views.public_school, name="public_school"),
    path("school/<str:brin>/documents/<int:pk>/", views.public_document, name="public_document"),
    path("register/", views.processing_register, name="register"),
    path("register/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("documents/new/", views.document_create, name="document_create"),
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/new/", views.breach_create, name="breach_create"),
    path("breaches/<int:pk>/", views.breach_detail, name="breach"),
    path("child/<int:pk>/", views.portal_child, name="portal_child"),
]
