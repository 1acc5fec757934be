"""Small template helpers for links into the needs pages from other apps' templates."""

from django import template

register = template.Library()


@register.simple_tag
def can_record_need(user, household) -> bool:
    """Whether `user` may record a need for this household (the household page's link)."""
    from cocreate.needs.services import can_act_for_household

    return can_act_for_household(user, household)


@register.simple_tag
def unread_messages(user) -> int:
    from cocreate.notify.models import Message

    if not user.is_authenticated:
        return 0
    return Message.objects.filter(user=user, read_at__isnull=True).count()
