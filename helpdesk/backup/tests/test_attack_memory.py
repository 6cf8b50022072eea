"""A large attachment streams through backup and restore: memory stays flat
(Python's own allocations, measured with ``tracemalloc``) whatever its size."""

import hashlib
import os
import tracemalloc

import pytest
from django.core.files.base import File

from helpdesk.backup.service import backup_create, backup_restore
from tickets.models import Attachment

pytestmark = pytest.mark.django_db
SIZE = 50 * 1024 * 1024


def test_a_50_mb_attachment_goes_through_in_flat_memory(helpdesk_data, tmp_path):
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(source, "wb") as out:
        for _ in range(SIZE // (1 << 20)):
            chunk = os.urandom(1 << 20)
            digest.update(chunk)
            out.write(chunk)
    attachment = Attachment.objects.order_by("pk").first()
    with open(source, "rb") as stream:
        attachment.file.save("big.bin", File(stream), save=False)
    Attachment.objects.filter(pk=attachment.pk).update(
        file=attachment.file.name, size=SIZE
    )
    for compress, passphrase in ((False, ""), (True, "s3cret")):
        tracemalloc.start()
        try:
            result = backup_create(
                output=tmp_path / f"big-{compress}.tar",
                compress=compress,
                passphrase=passphrase,
            )
            backup_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            attachment.file.storage.delete(attachment.file.name)
            backup_restore(result.path, replace=True, passphrase=passphrase)
            restore_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        print(
            f"compress={compress}: backup {backup_peak:,} B, restore {restore_peak:,} B"
        )
        assert backup_peak < SIZE // 5, backup_peak
        assert restore_peak < SIZE // 5, restore_peak
        restored = Attachment.objects.get(file=attachment.file.name)
        with restored.file.open("rb") as stream:
            copy = hashlib.sha256()
            while chunk := stream.read(1 << 20):
                copy.update(chunk)
        assert copy.hexdigest() == digest.hexdigest()
