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


@register.inclusion_tag("needs/_map.html")
def need_map(*, latitude=None, longitude=None, form=None) -> dict:
    """A Leaflet map: a picker bound to the form's latitude/longitude fields when `form` is given
    (shown only while "a point on the map" is chosen), otherwise a view of the need's point."""
    from django.conf import settings

    center = (latitude, longitude) if latitude is not None and longitude is not None else settings.MAP_DEFAULT_CENTER
    return {
        "tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": center, "has_point": latitude is not None,
        "lat_input": form["latitude"].auto_id if form else "", "lng_input": form["longitude"].auto_id if form else "",
    }
