"""Sign-ins, failed sign-ins, lockouts and sign-outs go to the audit log and the session records."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from satudata.accounts import sessions
from satudata.audit.models import Action
from satudata.audit.services import client_agent, client_ip, record


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record(
        Action.SIGN_IN, actor=user, source_ip=client_ip(request), data={"user_agent": client_agent(request)}
    )
    if request is not None:
        sessions.start(request, user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.SIGN_OUT, actor=user, source_ip=client_ip(request))
    if request is not None:
        sessions.end(request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only the user name typed is kept; the password never reaches the log.
    record(
        Action.SIGN_IN_FAILED,
        actor_label=str(credentials.get("username", ""))[:150],
        source_ip=client_ip(request),
        data={"user_agent": client_agent(request)},
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(
        Action.LOCKED_OUT,
        actor_label=str(username or "")[:150],
        source_ip=ip_address,
        data={"user_agent": client_agent(request)},
    )
