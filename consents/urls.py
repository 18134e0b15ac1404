"""URLs of this app."""

app_name = "consents"

urlpatterns: list = []
