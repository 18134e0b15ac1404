"""A model shaped like the dossier models that hold special-category data."""

import uuid

from django.db import models

from schoolprivacy.fields import EncryptedCharField, EncryptedTextField

# Test-only: plain verbose names, so that the project's message catalogues stay as they are.


class Secret(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField("label", max_length=50, blank=True)
    note = EncryptedTextField("note", blank=True)
    code = EncryptedCharField("code", max_length=9, blank=True, null=True)

    class Meta:
        verbose_name = "secret"

    def __str__(self):
        return f"Secret {self.pk}"
