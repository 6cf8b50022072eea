import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """File storage with no public URL.

    Files live under PRIVATE_MEDIA_ROOT, which no web server maps. Anything that
    asks for a URL is a bug: downloads go through a view that checks who asks.
    """

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError(
            "Private files have no URL; serve them through a permission-checked view."
        )
