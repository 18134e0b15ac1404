"""URLs of this app."""

app_name = "pupils"

urlpatterns: list = []
