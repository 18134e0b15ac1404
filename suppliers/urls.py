"""URLs of this app."""

app_name = "suppliers"

urlpatterns: list = []
