"""Backups of the whole helpdesk, and restores onto any of the three databases.

An archive is one file, ``helpdesk-backup-<UTC time>.tar[.gz][.enc]``:

- ``data/<app_label>.<model_name>.jsonl``: every row of one model, one JSON
  object per line in Django's own serialization format (``{"model": ...,
  "pk": ..., "fields": {...}}``, the ``jsonl`` serializer), written model by
  model from a streaming cursor so memory stays flat. Many-to-many links are
  their own through models' files; references to content types and
  permissions (which every database makes for itself on ``migrate``) are
  natural keys (``["tickets", "ticket"]``).
- ``files/<storage alias>/<name>``: every file a ``FileField`` names
  (attachments, raw inbound email), byte for byte.
- ``manifest.json``, the last member: format, product version, the source
  database engine, the migrations applied per app, every model's fields,
  row counts per model, the time, and the size and sha256 of every other
  member (see :mod:`helpdesk.backup.manifest`).

The tar stream is optionally gzipped and then optionally encrypted
(:mod:`helpdesk.backup.crypto`: AES-256-GCM in the STREAM construction, key
from the passphrase by scrypt).

Modules: :mod:`.archive` (the container), :mod:`.crypto`, :mod:`.manifest`
(what is recorded and the version checks), :mod:`.dump` and :mod:`.load`
(rows out and in, primary keys remapped across engines), :mod:`.service`
(``backup_create``, ``backup_verify``, ``backup_restore``), :mod:`.store`
(archives in the ``backups`` storage, keep-N, jobs, downloads),
:mod:`.compare` (a digest of a database that is the same before and after a
round trip), :mod:`.api` and :mod:`.admin_views`.
"""
