import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only, hash-chained record of something done (security.md L-1..L-3).

    The node is stored by id and materialized path, not as a foreign key: audit is a kernel
    app below the organisation tree, and a subtree filter on the path needs no join.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=40, blank=True)
    on_behalf_of_id = models.BigIntegerField(null=True, blank=True)  # orgs.Person
    node_id = models.BigIntegerField(null=True, blank=True)
    node_path = models.CharField(max_length=255, blank=True, db_index=True)
    action = models.CharField(max_length=80, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    hash_alg = models.CharField(max_length=10)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(
                fields=["node_path"], name="audit_node_path_like", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def canonical(self) -> bytes:
        """The bytes the row hash covers: every field but the hashes themselves."""
        fields = {
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "actor_role": self.actor_role,
            "on_behalf_of": self.on_behalf_of_id,
            "node_id": self.node_id,
            "node_path": self.node_path,
            "action": self.action,
            "outcome": self.outcome,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "data": self.data,
            "request_id": self.request_id,
            "ip": self.ip,
        }
        return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
