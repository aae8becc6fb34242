"""Pages of the walidata administrator: account requests, users and their scopes, and sessions
of one account seen from two places at once."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from satudata.access.models import ConfidentialityStatement
from satudata.accounts import requests as account_requests
from satudata.accounts import services, two_factor
from satudata.accounts.forms import ApprovalForm, ReasonForm, RejectionForm, UserScopeForm, split_codes
from satudata.accounts.models import AccountRequest, ConcurrentUse, Role, User
from satudata.errors import DomainError
from satudata.security.crypto import DecryptionError, FieldCipher
from satudata.security.masking import mask_nik


def _nik_for_review(token: str | None) -> str:
    """Return the NIK masked as the registry masks it: region digits only, enough to check the letter."""
    if not token:
        return ""
    try:
        return mask_nik(FieldCipher("user_nik").decrypt(token))
    except DecryptionError:
        return "?"


def request_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", AccountRequest.State.PENDING)
    requests = (
        AccountRequest.objects.filter(state=state)
        if state in AccountRequest.State.values
        else AccountRequest.objects.all()
    )
    page = Paginator(requests.order_by("-submitted_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/request_list.html",
        {
            "page": page,
            "requests": page.object_list,
            "state": state,
            "states": AccountRequest.State.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = get_object_or_404(AccountRequest, pk=pk)
    initial = {
        "role": account_request.requested_role,
        "regions": ", ".join(account_request.requested_regions),
        "kbli": ", ".join(account_request.requested_kbli),
        "by_name": account_request.requested_level == AccountRequest.Level.BY_NAME,
    }
    approval = ApprovalForm(request.POST if "approve" in request.POST else None, initial=initial)
    rejection = RejectionForm(request.POST if "reject" in request.POST else None)
    if request.method == "POST" and "approve" in request.POST and approval.is_valid():
        data = approval.cleaned_data
        try:
            user = account_requests.approve_request(
                account_request,
                actor=request.user,
                role=data["role"],
                producer=data["producer"],
                region_scope=split_codes(data["regions"]),
                kbli_scope=split_codes(data["kbli"]),
                by_name=data["by_name"],
                set_password_url=lambda uid, token: request.build_absolute_uri(
                    account_requests.set_password_path(uid, token)
                ),
            )
        except DomainError as exc:
            approval.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Account {username} created; the applicant received a link to set the password.").format(
                    username=user.username
                ),
            )
            return redirect("accounts:request_detail", pk=pk)
    if request.method == "POST" and "reject" in request.POST and rejection.is_valid():
        try:
            account_requests.reject_request(
                account_request, actor=request.user, reason=rejection.cleaned_data["reason"]
            )
        except DomainError as exc:
            rejection.add_error(None, exc.message)
        else:
            messages.success(request, _("The request was rejected and the applicant told why."))
            return redirect("accounts:request_detail", pk=pk)
    return render(
        request,
        "accounts/request_detail.html",
        {
            "account_request": account_request,
            "approval": approval,
            "rejection": rejection,
            "nik": _nik_for_review(account_request.nik_encrypted),
        },
    )


def request_document(request: HttpRequest, pk: int, document: str) -> FileResponse:
    account_request = get_object_or_404(AccountRequest, pk=pk)
    if document not in ("cover_letter", "statement"):
        raise Http404
    stored = getattr(account_request, document)
    response = FileResponse(
        stored.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"account-request-{account_request.pk}-{document}.pdf",
    )
    return response


def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.select_related("producer").order_by("username")
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    text = request.GET.get("q", "").strip()
    if text:
        users = users.filter(username__icontains=text)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "users": page.object_list,
            "roles": Role.choices,
            "role": role,
            "q": text,
        },
    )


@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("producer"), pk=pk)
    initial = {
        "role": account.role,
        "producer": account.producer,
        "regions": ", ".join(account.region_scope),
        "kbli": ", ".join(account.kbli_scope),
        "by_name": account.by_name_access,
    }
    scope_form = UserScopeForm(request.POST if "scope" in request.POST else None, initial=initial)
    reason_form = ReasonForm(request.POST if "scope" not in request.POST else None)
    if request.method == "POST":
        response = _user_action(request, account, scope_form, reason_form)
        if response is not None:
            return response
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "scope_form": scope_form,
            "reason_form": reason_form,
            "statements": ConfidentialityStatement.objects.filter(user=account),
            "totp": two_factor.confirmed_totp(account),
            "concurrent": ConcurrentUse.objects.filter(user=account).select_related(
                "session", "other_session"
            )[:20],
        },
    )


def _user_action(
    request: HttpRequest, account: User, scope_form: UserScopeForm, reason_form: ReasonForm
) -> HttpResponse | None:
    back = redirect("accounts:user_detail", pk=account.pk)
    reason = reason_form.cleaned_data.get("reason", "") if reason_form.is_valid() else ""
    try:
        if "scope" in request.POST:
            if not scope_form.is_valid():
                return None
            data = scope_form.cleaned_data
            services.change_scope(
                account,
                role=data["role"],
                producer=data["producer"],
                region_scope=split_codes(data["regions"]),
                kbli_scope=split_codes(data["kbli"]),
                by_name_access=data["by_name"],
                actor=request.user,
                reason=data["reason"],
            )
            messages.success(request, _("The scope was changed."))
        elif "disable" in request.POST:
            services.disable_user(account, actor=request.user, reason=reason)
            messages.success(request, _("The account was disabled."))
        elif "renew" in request.POST:
            services.renew_user(account, actor=request.user, reason=reason)
            messages.success(
                request, _("The account was renewed until {date}.").format(date=account.expires_on)
            )
        elif "unlock" in request.POST:
            services.unlock_user(account, actor=request.user)
            messages.success(request, _("The account was unlocked."))
        elif "reset_second_factor" in request.POST:
            two_factor.reset_second_factor(account, actor=request.user, reason=reason)
            messages.success(
                request,
                _("The authenticator app was removed; the user sets up a new one at the next sign-in."),
            )
        else:
            return None
    except DomainError as exc:
        scope_form.add_error(None, exc.message)
        return None
    return back


def concurrent_sessions(request: HttpRequest) -> HttpResponse:
    """List accounts used from two places at once (Pasal 25 ayat 4 forbids sharing accounts)."""
    uses = ConcurrentUse.objects.select_related("user", "session", "other_session").order_by("-detected_at")
    page = Paginator(uses, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/concurrent_sessions.html",
        {
            "page": page,
            "uses": page.object_list,
            "users_url": reverse("accounts:users"),
        },
    )
