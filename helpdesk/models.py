from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Base for every domain model: when a row was created and last changed.

    ``created_at`` takes a default rather than ``auto_now_add`` so imports and
    demo data can keep the original time of an old ticket.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
