import datetime
import hashlib

import factory
from django.core.files.base import ContentFile

from accounts.tests.factories import UserFactory
from helpdesk.db import atomic
from helpdesk.search_text import search_fold
from organizations.tests.factories import DepartmentFactory
from tickets.models import Attachment, Category, Message, Ticket, TicketEvent
from tickets.services.counts import ticket_counts_apply


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    default_department = factory.SubFactory(DepartmentFactory)

    class Params:
        inactive = factory.Trait(active=False)


class TicketFactory(factory.django.DjangoModelFactory):
    """A new portal ticket. Numbers come from a sequence far above the range
    ``ticket_create`` starts at, so both can be mixed in one test."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: 500_000 + n)
    subject = factory.Faker("sentence", nb_words=5)
    search_text = factory.LazyAttribute(lambda ticket: search_fold(ticket.subject))
    requester = factory.SubFactory(UserFactory)
    organization = factory.SelfAttribute("requester.organization")
    department = factory.SubFactory(DepartmentFactory)

    class Params:
        open = factory.Trait(status=Ticket.Status.OPEN)
        pending = factory.Trait(status=Ticket.Status.PENDING)
        on_hold = factory.Trait(status=Ticket.Status.ON_HOLD)
        solved = factory.Trait(
            status=Ticket.Status.SOLVED,
            solved_at=factory.Faker("past_datetime", tzinfo=datetime.UTC),
        )
        closed = factory.Trait(
            status=Ticket.Status.CLOSED,
            closed_at=factory.Faker("past_datetime", tzinfo=datetime.UTC),
        )
        unrouted = factory.Trait(department=None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Counted like a ticket the services open (the workspace's kept
        view counts, ``tickets.services.counts``)."""
        ticket = model_class(*args, **kwargs)
        with atomic():
            ticket_counts_apply(ticket=ticket)
            ticket.save(force_insert=True)
        return ticket


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SelfAttribute("ticket.requester")
    body = factory.Faker("paragraph")
    search_text = factory.LazyAttribute(lambda message: search_fold(message.body))

    class Params:
        note = factory.Trait(
            internal=True, author=factory.SubFactory(UserFactory, agent=True)
        )


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment
        exclude = ("data",)

    data = b"hello attachment\n"
    message = factory.SubFactory(MessageFactory)
    original_name = "notes.txt"
    content_type = "text/plain"
    file = factory.LazyAttribute(lambda a: ContentFile(a.data, name=a.original_name))
    size = factory.LazyAttribute(lambda a: len(a.data))
    sha256 = factory.LazyAttribute(lambda a: hashlib.sha256(a.data).hexdigest())


class TicketEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    actor = factory.SelfAttribute("ticket.requester")
    kind = TicketEvent.Kind.CREATED
    new_value = "new"
