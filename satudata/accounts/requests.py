"""Account requests (annex Bab III E of Permen UMKM 8/2025): submit, approve with a scope, reject.

The requesting office sends a cover letter and the signed confidentiality statement as PDFs,
with the administrator's NIK, name, phone, position and e-mail. The walidata administrator
approves with a role and a scope, or rejects with a reason; the applicant is told by e-mail.
An approved applicant sets a password through a one-time link and enrolls an authenticator
app at the first sign-in when the role requires one.
"""

import logging
import uuid
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import File
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.access.models import STATEMENT_TEXT, STATEMENT_VERSION, ConfidentialityStatement
from satudata.accounts.documents import check_pdf
from satudata.accounts.models import AccountRequest, Role, User
from satudata.accounts.services import AccountError, check_scope, create_user, file_sha256, seal_nik
from satudata.audit.models import Action
from satudata.audit.services import record

logger = logging.getLogger(__name__)


class RequestStateError(AccountError):
    code = "account_request.state"


def _stored_pdf(handle: IO[bytes]) -> File:
    # A random name, so the applicant's file name (often their own name) is not kept in the path.
    return File(handle, name=f"{uuid.uuid4().hex}.pdf")


@transaction.atomic
def submit_request(
    *,
    organization: str,
    purpose: str,
    requested_role: str,
    requested_level: str,
    requested_regions: list[str],
    requested_kbli: list[str],
    full_name: str,
    nik: str,
    phone: str,
    position: str,
    email: str,
    username: str,
    cover_letter: IO[bytes],
    statement: IO[bytes],
    source_ip: str | None = None,
) -> AccountRequest:
    """Store an account request and tell the applicant and the walidata administrators."""
    check_pdf(cover_letter, field="cover_letter", label=_("Cover letter"))
    check_pdf(statement, field="statement", label=_("Signed confidentiality statement"))
    if requested_role == Role.WALIDATA_ADMIN:
        raise AccountError(
            gettext_lazy("A walidata administrator account cannot be requested here."), field="requested_role"
        )
    regions, sectors = check_scope(
        role=Role.DATA_USER, region_scope=requested_regions, kbli_scope=requested_kbli
    )
    nik_encrypted, nik_index = seal_nik(nik)
    request = AccountRequest(
        organization=organization,
        purpose=purpose,
        requested_role=requested_role,
        requested_level=requested_level,
        requested_regions=regions,
        requested_kbli=sectors,
        full_name=full_name,
        nik_encrypted=nik_encrypted,
        nik_index=nik_index,
        phone=phone,
        position=position,
        email=email,
        username=username,
        cover_letter_sha256=file_sha256(cover_letter),
        statement_sha256=file_sha256(statement),
        statement_version=STATEMENT_VERSION,
        submitted_from=source_ip,
    )
    request.cover_letter.save("cover.pdf", _stored_pdf(cover_letter), save=False)
    request.statement.save("statement.pdf", _stored_pdf(statement), save=False)
    request.save()

    record(
        Action.ACCOUNT_REQUESTED,
        actor_label=username[:150],
        object_type="account_request",
        object_id=request.pk,
        source_ip=source_ip,
        data={
            "organization": organization,
            "role": requested_role,
            "level": requested_level,
            "regions": regions,
            "kbli": sectors,
            "cover_letter_sha256": request.cover_letter_sha256,
            "statement_sha256": request.statement_sha256,
        },
    )
    transaction.on_commit(lambda: _notify_submitted(request.pk))
    return request


@transaction.atomic
def approve_request(
    request: AccountRequest,
    *,
    actor: Any,
    role: str,
    producer: Any = None,
    region_scope: list[str] | None = None,
    kbli_scope: list[str] | None = None,
    by_name: bool = False,
    set_password_url: Any = None,
) -> User:
    """Create the account with the scope the walidata granted, and send the applicant a set-password link.

    ``set_password_url`` turns (uidb64, token) into the absolute link for the e-mail.
    With by-name access the signed statement of the request is recorded as the user's
    confidentiality statement.
    """
    request = AccountRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != AccountRequest.State.PENDING:
        raise RequestStateError(gettext_lazy("Account request {id} was already reviewed."), id=request.pk)
    user, _password = create_user(
        username=request.username,
        role=role,
        producer=producer,
        email=request.email,
        full_name=request.full_name,
        region_scope=region_scope,
        kbli_scope=kbli_scope,
        by_name_access=by_name,
        position=request.position,
        organization=request.organization,
        phone=request.phone,
        actor=actor,
    )
    # The NIK moves over still sealed: it is never decrypted on the way.
    user.nik_encrypted, user.nik_index = request.nik_encrypted, request.nik_index
    user.set_unusable_password()
    user.save(update_fields=["nik_encrypted", "nik_index", "password"])
    if by_name:
        ConfidentialityStatement.objects.create(
            user=user,
            accepted_at=request.submitted_at,
            text_version=request.statement_version,
            accepted_text=str(STATEMENT_TEXT),
            document=request.statement.name,
            document_sha256=request.statement_sha256,
            recorded_by=actor,
        )
        record(
            Action.STATEMENT_RECORDED,
            actor=actor,
            object_type="user",
            object_id=user.pk,
            data={
                "version": request.statement_version,
                "sha256": request.statement_sha256,
                "account_request": request.pk,
            },
        )
    request.state = AccountRequest.State.APPROVED
    request.reviewed_by, request.reviewed_at, request.user = actor, timezone.now(), user
    request.save(update_fields=["state", "reviewed_by", "reviewed_at", "user"])

    record(
        Action.ACCOUNT_REQUEST_APPROVED,
        actor=actor,
        object_type="account_request",
        object_id=request.pk,
        data={
            "user": user.pk,
            "role": role,
            "regions": user.region_scope,
            "kbli": user.kbli_scope,
            "by_name": by_name,
        },
    )
    link = set_password_url(*password_link_parts(user)) if set_password_url else ""
    transaction.on_commit(lambda: _notify_approved(request.pk, link))
    return user


@transaction.atomic
def reject_request(request: AccountRequest, *, actor: Any, reason: str) -> AccountRequest:
    """Reject a request with a reason that the applicant receives by e-mail."""
    if not reason.strip():
        raise AccountError(
            gettext_lazy("Give the reason for the rejection; the applicant receives it."), field="reason"
        )
    request = AccountRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != AccountRequest.State.PENDING:
        raise RequestStateError(gettext_lazy("Account request {id} was already reviewed."), id=request.pk)
    request.state = AccountRequest.State.REJECTED
    request.reviewed_by, request.reviewed_at, request.rejection_reason = actor, timezone.now(), reason.strip()
    request.save(update_fields=["state", "reviewed_by", "reviewed_at", "rejection_reason"])

    record(
        Action.ACCOUNT_REQUEST_REJECTED,
        actor=actor,
        object_type="account_request",
        object_id=request.pk,
        reason=request.rejection_reason,
    )
    transaction.on_commit(lambda: _notify_rejected(request.pk))
    return request


def password_link_parts(user: User) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def set_password_path(uidb64: str, token: str) -> str:
    return reverse("accounts:set_password", kwargs={"uidb64": uidb64, "token": token})


def _send(to: str, subject: str, body: str, request_id: int) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except OSError:
        # The request itself is stored; the walidata can resend from its page.
        logger.exception("Sending e-mail failed account_request=%s", request_id)


def _notify_submitted(request_id: int) -> None:
    request = AccountRequest.objects.get(pk=request_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            request.email,
            _("Satu Data UMKM: account request {id} received").format(id=request.pk),
            _(
                "Your request for an account for {organization} was received as number {id}. The walidata "
                "reviews it and you receive its decision by e-mail."
            ).format(organization=request.organization, id=request.pk),
            request.pk,
        )
        admins = User.objects.filter(role=Role.WALIDATA_ADMIN, is_active=True).exclude(email="")
        for admin in admins:
            _send(
                admin.email,
                _("Satu Data UMKM: new account request {id}").format(id=request.pk),
                _("{organization} requested an account. Review it in Satu Data UMKM under Accounts.").format(
                    organization=request.organization
                ),
                request.pk,
            )


def _notify_approved(request_id: int, link: str) -> None:
    request = AccountRequest.objects.select_related("user").get(pk=request_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            request.email,
            _("Satu Data UMKM: account request {id} approved").format(id=request.pk),
            _(
                "Your account {username} is ready. Set its password with this link, which works once and "
                "expires in {days} days:\n\n{link}\n\nAt the first sign-in you may be asked to set up an "
                "authenticator app."
            ).format(
                username=request.user.username, link=link, days=settings.PASSWORD_RESET_TIMEOUT // 86400
            ),
            request.pk,
        )


def _notify_rejected(request_id: int) -> None:
    request = AccountRequest.objects.get(pk=request_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            request.email,
            _("Satu Data UMKM: account request {id} rejected").format(id=request.pk),
            _(
                "Your request for an account for {organization} was rejected for this reason:\n\n{reason}\n\n"
                "You may submit a new request."
            ).format(organization=request.organization, reason=request.rejection_reason),
            request.pk,
        )
