"""Registering data producers."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.producers.models import Producer
from satudata.reference.models import CodeList, Entry


class ProducerError(DomainError):
    code = "producer.invalid"


@transaction.atomic
def create_producer(*, code: str, name: str, kind: str, region_code: str = "", kbli_sectors: list[str] | None = None,
                    email: str = "", actor: Any = None) -> Producer:
    """Register a producer. A regional producer needs a region code of the current region list."""
    if Producer.objects.filter(code=code).exists():
        raise ProducerError(_("A producer with code {code} exists already. Choose another code."), code=code)
    if kind == Producer.Kind.REGIONAL:
        if not region_code:
            raise ProducerError(_("A regional producer needs a region code, such as 32 or 32.73."))
        exists = Entry.objects.filter(
            edition__code_list__kind=CodeList.REGION, edition__is_current=True, code=region_code
        ).exists()
        if not exists:
            raise ProducerError(_("Region code {code} is not in the current region list. Use a dotted code such as 32 or 32.73."),
                                code=region_code)
    producer = Producer.objects.create(code=code, name=name, kind=kind, region_code=region_code,
                                       kbli_sectors=kbli_sectors or [], email=email)
    record(Action.PRODUCER_CREATED, actor=actor, object_type="producer", object_id=producer.code,
           data={"kind": kind, "region_code": region_code, "kbli_sectors": producer.kbli_sectors})
    return producer
