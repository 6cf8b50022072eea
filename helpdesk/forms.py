"""Form fields shared by the apps."""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """A model choice field's options read with one plain query.

    Django's iterator calls ``QuerySet.iterator()``, which on PostgreSQL opens
    a server-side cursor (``DECLARE ... WITH HOLD``, ``FETCH``, ``CLOSE``:
    three round trips, and outside a transaction the server materialises the
    result to hold it) for what is a short list of categories, departments,
    teams or agents. A choice list is read whole anyway to render a
    ``<select>``; exports and backups keep their cursors.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """Django's field, its options read by ``ListedChoiceIterator``."""

    iterator = ListedChoiceIterator
