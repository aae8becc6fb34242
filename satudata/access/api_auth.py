"""Authentication of the REST API: a signed-in browser session held to the same rules as pages."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth


class VerifiedSession(SessionAuth):
    """A session of an active, unexpired account that has given its second factor where required."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated or not user.is_active or getattr(user, "is_expired", False):
            return None
        if getattr(user, "requires_second_factor", False) and not user.is_verified():
            return None
        return user


verified_session = VerifiedSession()


class ProducerToken(HttpBearer):
    """A producer system's API token (``Authorization: Bearer sdu_…``); the request acts for that producer."""

    def authenticate(self, request: HttpRequest, token: str):
        from satudata.producers.tokens import producer_for

        producer = producer_for(token)
        if producer is None:
            return None
        request.api_producer = producer
        return producer


producer_token = ProducerToken()
