"""The one gate every request passes: access policy, sign-in, second factor, expiry and role."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from satudata.access.policy import Policy, policy_for, user_meets

logger = logging.getLogger(__name__)


def forbidden(request: HttpRequest) -> HttpResponse:
    """Render a 403 page that reveals nothing about what the URL would have shown."""
    return render(request, "access/forbidden.html", status=403)


class AccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        policy = policy_for(match.view_name if match else None, view_func)
        if policy is None:
            logger.error(
                "Refused path=%s: the URL name %s has no access policy",
                request.path,
                match.view_name if match else None,
            )
            return forbidden(request)
        request.access_policy = policy
        if policy in (Policy.PUBLIC, Policy.API):
            return None

        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_active or user.is_expired:
            logout(request)
            messages.error(
                request,
                _("This account is disabled or past its review date. Contact the walidata administrator."),
            )
            return redirect_to_login(request.get_full_path())

        if user.requires_second_factor and not user.is_verified():
            if policy == Policy.SECOND_FACTOR:
                return None
            return self._second_factor_redirect(request)

        from satudata.accounts import sessions

        sessions.touch(request)
        if not user_meets(policy, user):
            logger.info("Refused path=%s user=%s policy=%s", request.path, user.pk, policy)
            return forbidden(request)
        return None

    @staticmethod
    def _second_factor_redirect(request: HttpRequest) -> HttpResponse:
        from satudata.accounts.two_factor import has_confirmed_device

        target = "accounts:verify" if has_confirmed_device(request.user) else "accounts:two_factor_setup"
        return redirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
