from django.apps import AppConfig


class EncryptionTestsConfig(AppConfig):
    """A test-only app whose model uses the encrypted fields (no migrations: syncdb)."""

    name = "tests.encryption"
    label = "encryption_tests"
    verbose_name = "Encryption tests"  # test-only, so not in the message catalogues

    def ready(self) -> None:
        from schoolprivacy import audit

        from .models import Secret

        audit.register(Secret, masked=("note", "code"))
