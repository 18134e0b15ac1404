"""Raw access to the test table, below the ORM, as someone with a database dump would see it."""

from django.db import connection

from .models import Secret

#: A third key, in none of the test settings: the key an operator rotates to.
NEW_KEY = b"test-only-field-key-3-32bytes!!!"


def stored(secret: Secret) -> tuple[str | None, str | None]:
    """The note and code columns of *secret*'s row, exactly as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT note, code FROM encryption_tests_secret WHERE id = %s", [secret.pk])
        return cursor.fetchone()


def overwrite(secret: Secret, *, note: str | None = None, code: str | None = None) -> None:
    """Write raw column values for *secret*'s row, as an attacker with database access could."""
    with connection.cursor() as cursor:
        if note is not None:
            cursor.execute(
                "UPDATE encryption_tests_secret SET note = %s WHERE id = %s", [note, secret.pk]
            )
        if code is not None:
            cursor.execute(
                "UPDATE encryption_tests_secret SET code = %s WHERE id = %s", [code, secret.pk]
            )
