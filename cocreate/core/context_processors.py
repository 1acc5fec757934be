from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "elder_mode": bool(getattr(request, "elder_mode", False)),
        "is_staff_user": bool(user and user.is_authenticated and user.is_staff_member),
    }
