"""The core: users, school boards, schools and the roles people hold in them."""

import secrets
import time
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from .audit_entry import AuditEntry  # noqa: F401 (a model of this app)
from .fields import EncryptedCharField
from .validators import validate_one_line


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("Users need an e-mail address.")
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self.model(email=email.strip().lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: staff, parents and (later) pupils of 16 and older.

    The e-mail address is the login. What a user may do follows from their
    memberships (staff), board memberships (privacy officer) and, in the
    pupils app, their guardianships (parents).
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_one_line])
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="nl",
        help_text=_("The language of the interface and of e-mails to this person."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting the account."),
    )
    is_staff = models.BooleanField(
        _("technical administrator"),
        default=False,
        help_text=_("May log in to the technical admin site. Not a school role."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Board(models.Model):
    """A school board (schoolbestuur): the controller under the AVG."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[validate_one_line])
    privacy_contact_email = models.EmailField(
        _("privacy contact e-mail"),
        blank=True,
        help_text=_("Where parents can reach the data protection officer."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("school board")
        verbose_name_plural = _("school boards")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("primary school")
        SPECIAL = "special", _("special-needs school (SO/VSO)")

    board = models.ForeignKey(
        Board, on_delete=models.PROTECT, related_name="schools", verbose_name=_("school board")
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_one_line])
    brin = models.CharField(
        _("BRIN code"),
        max_length=6,
        unique=True,
        help_text=_("The school's registration code with DUO, e.g. 12AB."),
        validators=[validate_one_line],
    )
    kind = models.CharField(_("kind of school"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="school_name_unique_per_board"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """The roles a member of staff can hold at one school."""

    TEACHER = "teacher", _("teacher")
    CARE_COORDINATOR = "care_coordinator", _("care coordinator")
    TEAM_LEADER = "team_leader", _("team leader")
    DIRECTOR = "director", _("director")
    ADMINISTRATOR = "administrator", _("administrator")


class BoardRole(models.TextChoices):
    """The roles that hold for a whole board."""

    PRIVACY_OFFICER = "privacy_officer", _("privacy officer")
    BOARD_ADMINISTRATOR = "board_administrator", _("board administrator")


class Membership(models.Model):
    """A role held by a member of staff at one school. One person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_role_per_school"
            ),
        ]
        indexes = [models.Index(fields=["school", "role"], name="membership_school_role_idx")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school}"


class BoardMembership(models.Model):
    """A board-wide role, such as the privacy officer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="board_memberships",
        verbose_name=_("user"),
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school board")
    )
    role = models.CharField(_("role"), max_length=32, choices=BoardRole.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("board membership")
        verbose_name_plural = _("board memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "board", "role"], name="board_membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.board}"


class Heartbeat(models.Model):
    """When a periodic process last proved it was alive (shown on /health/)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Notice(models.Model):
    """A message for one user inside the application (shown on the overview)."""

    #: ``about_pupil`` of the notices written before it was kept (migration 0015).
    ABOUT_UNKNOWN = 0

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("user"),
    )
    message = models.CharField(_("message"), max_length=500)
    # The message in each language of the interface, where it was written so (services:
    # notice_queue): the overview shows it in the language of the page.
    texts = models.JSONField(_("the message in each language"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The pupil the message names, by id (the core knows no pupils): when the pupil is
    # anonymised, its name is taken out of exactly these notices (services.notices_scrub).
    # ABOUT_UNKNOWN: written before notices said whom they were about; found by the name.
    about_pupil = models.BigIntegerField(_("about the pupil (id)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail outbox (services.notice_queue): the mail is written with the notice, in
    # the same transaction, and sent afterwards by notices_deliver, at least once.
    mail_subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    mail_pending = models.BooleanField(_("e-mail waiting to be sent"), default=False)
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(_("attempts to e-mail"), default=0)
    # The mail's Message-ID is made of this key, never of the row's id: a restored backup
    # hands out ids again, keys never repeat (services.notice_message_id).
    mail_key = models.UUIDField(_("e-mail key"), default=uuid.uuid4, unique=True, editable=False)
    # Set aside (a dead letter): the mail failed for a reason other than the network (a
    # header with a line break, an address refused for good). It is never tried again and
    # the technical administrator sees it in the admin.
    mail_failed_at = models.DateTimeField(_("e-mail set aside at"), null=True, blank=True)
    mail_failure = models.CharField(_("why the e-mail failed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notice_user_unread_idx"),
            models.Index(
                fields=["about_pupil"],
                condition=models.Q(about_pupil__isnull=False),
                name="notice_about_pupil_idx",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(mail_pending=True),
                name="notice_mail_pending_idx",
            ),
            models.Index(
                fields=["mail_failed_at"],
                condition=models.Q(mail_failed_at__isnull=False),
                name="notice_mail_set_aside_idx",
            ),
        ]

    def __str__(self):
        return self.message

    @property
    def text(self) -> str:
        """The message in the language of the page, where it was written in it."""
        return self.texts.get(get_language(), self.message) if self.texts else self.message


class Submission(models.Model):
    """One submitted form (DESIGN: one submission, one effect): the key the form carried,
    whose it was, and where the answer sent the user. A second post of the same key gets
    the same answer and does nothing again (schoolprivacy/submissions.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.UUIDField(_("key"))
    path = models.CharField(_("page"), max_length=300)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    location = models.CharField(_("answered with"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_once_per_user"),
        ]
        indexes = [models.Index(fields=["created_at"], name="submission_created_idx")]

    def __str__(self):
        return f"{self.user_id} {self.key}"


# --- Two-step verification: devices of django-otp with their secrets kept unreadable ---------


def _new_totp_key() -> str:
    """20 random bytes, hex-encoded, as an authenticator app's shared secret."""
    return secrets.token_hex(20)


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator app (TOTP, RFC 6238), as a django-otp device.

    django-otp's own TOTPDevice keeps the shared secret as plain hex, readable by anyone
    who reads the database or its backups, and shows it in the admin. Here the secret is
    encrypted like special-category data (schoolprivacy/fields.py), bound to its row; the
    checking of a code is django-otp's TOTP.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = EncryptedCharField(_("secret"), max_length=80, default=_new_totp_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    @property
    def config_url(self) -> str:
        """The otpauth:// address an app reads from the QR code (Google's Key Uri Format)."""
        from base64 import b32encode
        from urllib.parse import quote, urlencode

        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        secret = b32encode(self.bin_key).decode().rstrip("=")
        query = urlencode(
            {"secret": secret, "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        return f"otpauth://totp/{label}?{query}&issuer={quote(issuer)}"

    def verify_token(self, token) -> bool:
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        # Each code once: only a step after the last one used counts.
        if code is not None and totp.verify(code, self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A person's one-time recovery codes, as a django-otp device. Only a keyed hash of
    each code is stored (django-otp's StaticToken keeps the codes themselves)."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    @staticmethod
    def digest(code: str, secret=None) -> str:
        normalised = "".join(ch for ch in code.lower() if ch.isalnum())  # "ab12c-de3fg"
        salt = "schoolprivacy.RecoveryCodes"
        return salted_hmac(salt, normalised, secret=secret, algorithm="sha256").hexdigest()

    def verify_token(self, token) -> bool:
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token or "")
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        digests = {self.digest(token, secret=key) for key in keys}
        used = self.codes.filter(digest__in=digests).first()
        if used is None:
            self.throttle_increment(commit=True)
            return False
        used.delete()  # once
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    """One unused recovery code, as its keyed hash."""

    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return f"{self.device_id}: ••••••••"
