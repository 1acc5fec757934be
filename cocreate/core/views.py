from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect

from .auth import is_fully_authenticated_staff


def home(request):
    """Send each visitor to their start page."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if is_fully_authenticated_staff(request):
        return redirect("orgs:console")
    return redirect("residents:home")


def health(request):
    """Liveness and database reachability for the load balancer; no personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


def server_error(request):
    """A generic page with the request id, no trace (security.md test 52)."""
    from django.template import loader

    body = loader.get_template("500.html").render({"request": request})
    return HttpResponse(body, status=500)
