from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.run, name="run"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
]
