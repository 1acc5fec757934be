from django.conf import settings
from django.db import models
from django.db.models import Q


class Message(models.Model):
    """An in-app message; the daily digest sends what is not yet read by SMS, several at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=40)
    target_id = models.BigIntegerField(null=True, blank=True)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="message_inbox"),
                   models.Index(fields=["user"], name="message_undigested",
                                condition=Q(digested_at__isnull=True, read_at__isnull=True))]

    def __str__(self) -> str:
        return self.text[:30]
