"""URLs of this app."""

app_name = "requests"

urlpatterns: list = []
