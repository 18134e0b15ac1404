from typing import Any, ClassVar, TypeVar

from django.db import models

_D = TypeVar("_D", bound=Device)

class DeviceManager(models.Manager[_D]):
    def devices_for_user(
        self, user: Any, confirmed: bool | None = None
    ) -> models.QuerySet[_D]: ...

class Device(models.Model):
    user = models.ForeignKey(
        "schoolprivacy.User",
        on_delete=models.CASCADE,  # settings.AUTH_USER_MODEL
    )
    name = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=True)
    objects: ClassVar[DeviceManager[Any]]

    class Meta:
        abstract = True

    @property
    def persistent_id(self) -> str: ...
    @classmethod
    def model_label(cls) -> str: ...
    def is_interactive(self) -> bool: ...
    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]: ...
    def verify_token(self, token: Any) -> bool: ...

class ThrottlingMixin(models.Model):
    throttling_failure_timestamp = models.DateTimeField(null=True, blank=True, default=None)
    throttling_failure_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]: ...
    def throttle_reset(self, commit: bool = True) -> None: ...
    def throttle_increment(self, commit: bool = True) -> None: ...
    @property
    def throttling_enabled(self) -> bool: ...
    def get_throttle_factor(self) -> int: ...

class TimestampMixin(models.Model):
    created_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def set_last_used_timestamp(self, commit: bool = True) -> None: ...
