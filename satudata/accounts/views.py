"""Signing in with a password and a second factor, the user's own security page, account
requests by offices, and setting a password from an e-mailed link."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from satudata.access.models import STATEMENT_TEXT, ConfidentialityStatement
from satudata.access.scope import scope_for
from satudata.accounts import requests as account_requests
from satudata.accounts import two_factor
from satudata.accounts.forms import AccountRequestForm, SignInForm, TokenForm, split_codes
from satudata.accounts.models import SessionRecord
from satudata.audit.models import Action
from satudata.audit.services import client_ip, record
from satudata.errors import DomainError


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out; also reachable before the second factor is given, so a user can abandon a sign-in."""


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link from the approval e-mail (Django's password-reset token)."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:set_password_done")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        record(Action.PASSWORD_SET, actor=form.user, source_ip=client_ip(self.request))
        return response


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the authenticator app or a recovery code."""
    if not two_factor.has_confirmed_device(request.user):
        return redirect(reverse("accounts:two_factor_setup") + "?next=" + _next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request, form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or expired. Wait for the next code and try again."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enroll an authenticator app: QR code and secret, confirmed by the first code."""
    user = request.user
    if two_factor.confirmed_totp(user) is not None:
        if user.is_verified():
            messages.info(request, _("An authenticator app is already set up for this account."))
            return redirect("accounts:security")
        return redirect(reverse("accounts:verify") + "?next=" + _next_url(request))
    device = two_factor.pending_totp(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_totp(request, device, form.cleaned_data["token"])
        if codes is not None:
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
            )
        form.add_error(
            "token", _("The code does not match. Check the clock of the phone and try the next code.")
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_base32(device),
            "uri": device.config_url,
            "next": _next_url(request),
        },
    )


@require_http_methods(["POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes and show the new ones once."""
    codes = two_factor.replace_recovery_codes(request.user, request=request)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")}
    )


def security(request: HttpRequest) -> HttpResponse:
    """Show the user's own account: scope, review date, second factor, statement and sessions."""
    user = request.user
    scope = scope_for(user)
    return render(
        request,
        "accounts/security.html",
        {
            "scope": scope,
            "totp": two_factor.confirmed_totp(user),
            "recovery_left": two_factor.remaining_recovery_codes(user),
            "statement": ConfidentialityStatement.objects.filter(
                user=user, withdrawn_at__isnull=True
            ).first(),
            "sessions": SessionRecord.objects.filter(user=user).order_by("-last_seen_at")[:10],
        },
    )


@require_http_methods(["GET", "POST"])
def account_request(request: HttpRequest) -> HttpResponse:
    """Show and accept the public form an office uses to request an account."""
    form = AccountRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submitted = account_requests.submit_request(
                organization=data["organization"],
                purpose=data["purpose"],
                requested_role=data["requested_role"],
                requested_level=data["requested_level"],
                requested_regions=split_codes(data["requested_regions"]),
                requested_kbli=split_codes(data["requested_kbli"]),
                full_name=data["full_name"],
                nik=data["nik"],
                phone=data["phone"],
                position=data["position"],
                email=data["email"],
                username=data["username"],
                cover_letter=data["cover_letter"],
                statement=data["statement"],
                source_ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            request.session["account_request_id"] = submitted.pk
            return redirect("accounts:request_sent")
    return render(
        request,
        "accounts/request_form.html",
        {"form": form, "statement_text": STATEMENT_TEXT},
        status=400 if form.errors else 200,
    )


def account_request_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/request_sent.html", {"number": request.session.get("account_request_id")}
    )
