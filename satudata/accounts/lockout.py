"""The page shown while django-axes blocks sign-ins after repeated failures."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Render the lockout page with the cool-off time in minutes (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)
