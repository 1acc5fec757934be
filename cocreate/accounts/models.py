"""Accounts: residents log in by SMS code, staff by password plus a second factor."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.core.crypto import decrypt
from cocreate.core.masking import mask_phone
from cocreate.core.phones import national_number


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractBaseUser):
    """One account per person (security.md A-1). Residents have a phone and no password;
    staff have a username, a password and a second factor."""

    username = models.CharField(_("username"), max_length=40, unique=True, null=True, blank=True)
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone_enc = models.CharField(max_length=200, blank=True)
    phone_index = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_staff_member = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    elder_mode = models.BooleanField(default=False)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    disabled_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_staff_member=False) | models.Q(username__isnull=False),
                name="staff_user_has_username",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username or self.masked_phone or f"#{self.pk}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(national_number(decrypt(self.phone_enc))) if self.phone_enc else ""

    def phone_national(self) -> str:
        return national_number(decrypt(self.phone_enc)) if self.phone_enc else ""

    @property
    def primary_role_label(self) -> str:
        from cocreate.orgs.permissions import primary_role

        return primary_role(self) or ("staff" if self.is_staff_member else "resident")


class PasswordHistory(models.Model):
    """The last passwords of a staff account, which may not be reused (security.md A-2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"password of #{self.user_id} set {self.created_at:%Y-%m-%d}"


class LoginLock(models.Model):
    """Consecutive failures per credential kind and identifier (security.md A-4)."""

    class Scope(models.TextChoices):
        PASSWORD = "password"  # noqa: S105 - a scope name, not a secret
        SMS = "sms"
        TOTP = "totp"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=64)  # a blind index, never the identifier itself
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="loginlock_unique")]

    def __str__(self) -> str:
        return f"{self.scope} lock ({self.failures} failures)"


class SmsCode(models.Model):
    """A one-time code, stored hashed and bound to its phone and purpose (ASVS 6.6.2)."""

    class Purpose(models.TextChoices):
        LOGIN = "login"
        STAFF_2FA = "staff_2fa"
        CONFIRM = "confirm"

    phone_index = models.CharField(max_length=64)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["phone_index", "purpose", "-created_at"], name="smscode_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} code until {self.expires_at:%H:%M}"


class SmsSend(models.Model):
    """When a code was sent to a phone: for the 60-second and 10-a-day limits. No code here."""

    phone_index = models.CharField(max_length=64)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["phone_index", "-sent_at"], name="smssend_lookup")]

    def __str__(self) -> str:
        return f"sent {self.sent_at:%Y-%m-%d %H:%M}"
