from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("<uuid:uid>/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("saml/<uuid:uid>/metadata/", views.saml_metadata, name="saml_metadata"),
    path("saml/<uuid:uid>/acs/", views.saml_acs, name="saml_acs"),
    path("saml/<uuid:uid>/sls/", views.saml_sls, name="saml_sls"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/new/", views.provider_edit, name="provider_create"),
    path("providers/<int:pk>/", views.provider_edit, name="provider_edit"),
    path("attempts/", views.attempt_list, name="attempts"),
]
