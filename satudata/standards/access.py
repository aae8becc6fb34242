"""Permissions to read and to change data standards."""

from django.http import Http404

from satudata.accounts.models import Role
from satudata.standards.models import StandardVersion


def can_edit(user) -> bool:
    """Drafting and publishing standards is the walidata administrator's task (Pasal 5 ayat 2)."""
    return user.is_authenticated and (user.is_superuser or user.role == Role.WALIDATA_ADMIN)


def can_see_drafts(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_walidata)


def version_for(user, label: str) -> StandardVersion:
    """The version named ``code-number``; drafts only for the walidata."""
    code, _sep, number = label.rpartition("-")
    if not number.isdigit():
        raise Http404
    version = StandardVersion.objects.select_related("standard").filter(standard__code=code, number=int(number)).first()
    if version is None:
        raise Http404
    if version.status != StandardVersion.Status.PUBLISHED and not can_see_drafts(user):
        raise Http404
    return version


def require_editor(user) -> None:
    if not can_edit(user):
        raise Http404
