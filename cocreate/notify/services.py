"""In-app messages and the daily SMS digest (no notification floods: one SMS a day at most)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cocreate.core import page_cache

from .backends import send_sms
from .models import Message

DIGEST_MAX_LINES = 3


def message_queue(*, user_id: int, kind: str, text: str, target_id: int | None = None) -> Message:
    """Add a message to the user's inbox in the caller's transaction (their kept pages show the
    unread count: stamped, as the event that sent it may lie outside their community)."""
    page_cache.stamp([page_cache.user_stamp(user_id)])
    return Message.objects.create(user_id=user_id, kind=kind, text=text[:300], target_id=target_id)


def _digest_text(messages: list[Message]) -> str:
    lines = [m.text for m in messages[:DIGEST_MAX_LINES]]
    more = len(messages) - len(lines)
    if more > 0:
        lines.append(_("… and %(count)d more. Open Cocreate to read them.") % {"count": more})
    return "[Cocreate] " + "；".join(lines)


def send_digests() -> int:
    """Send each resident one SMS with their unread, not yet digested messages. Returns the
    number of SMS sent. Run daily (manage.py send_digests)."""
    sent = 0
    user_ids = (Message.objects.filter(digested_at__isnull=True, read_at__isnull=True)
                .values_list("user_id", flat=True).distinct())
    for user_id in list(user_ids):
        with transaction.atomic():
            messages = list(Message.objects.select_for_update().select_related("user")
                            .filter(user_id=user_id, digested_at__isnull=True, read_at__isnull=True)
                            .order_by("id"))
            if not messages:
                continue
            user = messages[0].user
            Message.objects.filter(pk__in=[m.pk for m in messages]).update(digested_at=timezone.now())
            if user.phone_enc and user.is_active:
                with override(user.language or "zh-hans"):
                    text = _digest_text(messages)
                phone = "+86" + user.phone_national()
                transaction.on_commit(lambda phone=phone, text=text: send_sms(phone, text))
                sent += 1
    return sent


def messages_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Message.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
