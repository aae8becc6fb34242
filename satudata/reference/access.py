"""The permission to manage code lists, checked here alone by the reference pages and actions.

Pasal 19 of Permen UMKM 8/2025 makes the walidata responsible for reference codes, so browsing
editions, comparing them and reviewing crosswalks is for walidata roles and superusers.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def can_manage_code_lists(user) -> bool:
    """True for an active, signed-in walidata user or superuser."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_walidata", False) or user.is_superuser)


def walidata_required(view):
    """Redirect anonymous users to sign in and respond 403 to signed-in users who are not walidata."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_code_lists(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
