"""The access policy of every URL: who may open it, checked by ``AccessMiddleware``.

Every URL name is classified here or with the ``access_policy`` decorator on its view. A URL
with neither is refused for everyone, so a new page or API route cannot go live without a
decision about who sees it, and the tests of this app fail until it has one.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any


class Policy(StrEnum):
    # Anyone, signed in or not: sign-in, account requests, language choice.
    PUBLIC = "public"
    # Signed in with a password, second factor not yet given: enrollment and verification.
    SECOND_FACTOR = "second_factor"
    # Any fully signed-in user; the page shows no registry or submission data.
    SIGNED_IN = "signed_in"
    # Any fully signed-in user; domain data on the page comes through ``access.scope.scoped``.
    SCOPED = "scoped"
    # Producer and enumerator accounts bound to a producer; domain data on the page is the
    # account's own draft, read through ``access.scope.scoped``.
    PRODUCER = "producer"
    # Walidata administrators and analysts.
    WALIDATA = "walidata"
    # Walidata administrators only: accounts, scopes, account requests.
    WALIDATA_ADMIN = "walidata_admin"
    # Auditors and the walidata: the audit log.
    AUDIT = "audit"
    # The REST API, whose own authentication (``access.api_auth``) checks sign-in, second factor
    # and tokens, and whose handlers read domain data through ``access.scope.scoped``.
    API = "api"


URL_POLICIES: dict[str, Policy] = {
    "set_language": Policy.PUBLIC,
    # A JSON 404 for paths under /api/v1/ that no route matches; it shows no data.
    "api_unknown_endpoint": Policy.PUBLIC,
    "portal:home": Policy.SCOPED,
    "accounts:login": Policy.PUBLIC,
    "accounts:logout": Policy.PUBLIC,
    "accounts:request": Policy.PUBLIC,
    "accounts:request_sent": Policy.PUBLIC,
    "accounts:set_password": Policy.PUBLIC,
    "accounts:set_password_done": Policy.PUBLIC,
    "accounts:verify": Policy.SECOND_FACTOR,
    "accounts:two_factor_setup": Policy.SECOND_FACTOR,
    "accounts:recovery_codes": Policy.SIGNED_IN,
    "accounts:security": Policy.SIGNED_IN,
    "accounts:requests": Policy.WALIDATA_ADMIN,
    "accounts:request_detail": Policy.WALIDATA_ADMIN,
    "accounts:request_document": Policy.WALIDATA_ADMIN,
    "accounts:users": Policy.WALIDATA_ADMIN,
    "accounts:user_detail": Policy.WALIDATA_ADMIN,
    "accounts:sessions": Policy.WALIDATA,
    "submissions:list": Policy.SCOPED,
    "submissions:upload": Policy.SCOPED,
    "submissions:detail": Policy.SCOPED,
    "submissions:mapping": Policy.SCOPED,
    "submissions:errors_csv": Policy.SCOPED,
    "submissions:errors_xlsx": Policy.SCOPED,
    "submissions:progress": Policy.SCOPED,
    "submissions:corrections": Policy.SCOPED,
    "submissions:resubmit": Policy.SCOPED,
    "submissions:decide": Policy.WALIDATA,
    "submissions:overview": Policy.WALIDATA,
    "entry:draft": Policy.PRODUCER,
    "entry:new": Policy.PRODUCER,
    "entry:edit": Policy.PRODUCER,
    "entry:delete": Policy.PRODUCER,
    "entry:check": Policy.PRODUCER,
    "entry:regions": Policy.PRODUCER,
    "entry:submit": Policy.PRODUCER,
    "registry:list": Policy.SCOPED,
    "registry:counts": Policy.SCOPED,
    "registry:detail": Policy.SCOPED,
    "access:export_counts": Policy.SCOPED,
    "access:export_businesses": Policy.SCOPED,
    "standards:detail": Policy.SIGNED_IN,
    "standards:template": Policy.SIGNED_IN,
    "standards:table_schema": Policy.SIGNED_IN,
    # Standards pages check drafts and editing rights in standards.access; indicators compute
    # over the businesses the user may see.
    "standards:list": Policy.SIGNED_IN,
    "standards:version": Policy.SIGNED_IN,
    "standards:download": Policy.SIGNED_IN,
    "standards:compare": Policy.SIGNED_IN,
    "standards:variable": Policy.SIGNED_IN,
    "standards:indicator": Policy.SCOPED,
    "standards:characteristics": Policy.WALIDATA,
    "standards:new_draft": Policy.WALIDATA_ADMIN,
    "standards:propose": Policy.WALIDATA_ADMIN,
    "standards:agree": Policy.WALIDATA_ADMIN,
    "standards:publish": Policy.WALIDATA_ADMIN,
    "standards:discard": Policy.WALIDATA_ADMIN,
    "standards:variable_add": Policy.WALIDATA_ADMIN,
    "standards:variable_remove": Policy.WALIDATA_ADMIN,
    "standards:indicator_add": Policy.WALIDATA_ADMIN,
    "standards:indicator_edit": Policy.WALIDATA_ADMIN,
    # The review queue shows pairs of registry records; personal fields are masked without by-name access.
    "linkage:review_list": Policy.WALIDATA,
    "linkage:review_detail": Policy.WALIDATA,
    # The public catalog shows metadata only, never registry data.
    "catalog:index": Policy.PUBLIC,
    "catalog:variable": Policy.PUBLIC,
    "catalog:indicator": Policy.PUBLIC,
    "publishedstats:compare": Policy.WALIDATA,
    "audit:log": Policy.AUDIT,
    "audit:export": Policy.AUDIT,
}

ATTRIBUTE = "access_policy"


def access_policy(policy: Policy) -> Callable[[Any], Any]:
    """Mark a view with its policy; the mark takes precedence over ``URL_POLICIES``."""

    def mark(view: Any) -> Any:
        setattr(view, ATTRIBUTE, Policy(policy))
        return view

    return mark


def policy_for(view_name: str | None, view: Any = None) -> Policy | None:
    """Return the policy of a URL, or None when it has none (and must be refused)."""
    marked = getattr(view, ATTRIBUTE, None)
    if marked is None and view is not None:
        # Class-based views: the decorator may sit on the class that as_view() wraps.
        marked = getattr(getattr(view, "view_class", None), ATTRIBUTE, None)
    if marked is not None:
        return Policy(marked)
    if view_name is None:
        return None
    if view_name.startswith("api:"):
        return Policy.API
    if view_name.startswith("reference:"):
        # Code lists, editions and crosswalk review are walidata pages.
        return Policy.WALIDATA
    return URL_POLICIES.get(view_name)


def user_meets(policy: Policy, user: Any) -> bool:
    """True when a fully signed-in user's role allows the policy."""
    if policy in (Policy.PUBLIC, Policy.SECOND_FACTOR, Policy.SIGNED_IN, Policy.SCOPED):
        return True
    if user.is_superuser:
        return True
    if policy == Policy.PRODUCER:
        return user.is_producer_user
    if policy == Policy.WALIDATA:
        return user.is_walidata
    if policy == Policy.WALIDATA_ADMIN:
        return user.role == "walidata_admin"
    if policy == Policy.AUDIT:
        return user.is_walidata or user.is_auditor
    return False
