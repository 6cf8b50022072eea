"""A digest of a whole database that survives a round trip through a backup,
for proving a restore changed nothing (tests and the benchmark use it).

Primary keys may change in a restore (SQL and MongoDB keep different
kinds), so a row is described by its content, with every foreign key
replaced by the identity of the row it points to: a hash of that row's
own description, computed parent-first (:func:`..models.load_order`). A
reference to a row of the same model (a ticket merged into another) uses
the target's description without its own references, which cannot loop.
Content types and permissions are named by natural key; ids kept as text
(:data:`..models.TEXT_REFERENCES`) by the identity of the row they name.

MongoDB keeps times to the millisecond, so times are compared at that
precision when ``milliseconds`` is true.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from urllib.parse import parse_qsl

from django.db import models

from .dump import natural_keys
from .models import (
    NATURAL,
    TEXT_REFERENCES,
    backup_models,
    label,
    text_reference_target,
)


def _plain(value: object, milliseconds: bool) -> object:
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        if milliseconds:
            value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _hash(description: object) -> str:
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def database_digest(*, using: str = "default", milliseconds: bool = False) -> dict:
    """``{label: Counter({row description: how many})}`` for every backed-up
    model on ``using``; two databases hold the same data when their digests
    are equal. Descriptions are JSON text, readable in a test's diff."""
    natural = natural_keys(using)
    identities: dict[str, dict[str, str]] = {}
    shallow: dict[str, dict[str, str]] = {}
    digest: dict[str, Counter] = {}
    for model in backup_models():
        name = label(model)
        rows = Counter()
        identities[name], shallow[name] = {}, {}
        deferred = []
        for obj in model._base_manager.using(using).order_by("pk").iterator():
            description, own = {}, {}
            for field in model._meta.concrete_fields:
                if field.primary_key and not field.is_relation:
                    continue
                value = field.value_from_object(obj)
                if field.is_relation:
                    target = label(field.related_model)
                    if value is None:
                        description[field.name] = None
                    elif target in NATURAL:
                        description[field.name] = natural[target].get(str(value))
                    elif target == name:
                        deferred.append((field.name, str(value)))
                    else:
                        description[field.name] = identities[target].get(str(value))
                else:
                    own[field.name] = _plain(value, milliseconds)
            description.update(own)
            _describe_text_references(name, description, identities, natural)
            row_self = dict(description)
            for field_name, target_pk in deferred:
                row_self[field_name] = ("self", target_pk)
            deferred.clear()
            shallow[name][str(obj.pk)] = _hash(own)
            identities[name][str(obj.pk)] = _hash(description)
            rows[json.dumps(row_self, sort_keys=True, default=str)] += 1
        # Same-model references: the target's own fields, which cannot loop.
        resolved = Counter()
        for text, count in rows.items():
            row = json.loads(text)
            for key, value in row.items():
                if isinstance(value, list) and len(value) == 2 and value[0] == "self":
                    row[key] = shallow[name].get(value[1])
            resolved[json.dumps(row, sort_keys=True)] += count
        digest[name] = resolved
    return digest


def _describe_text_references(name, description, identities, natural) -> None:
    for field_name, (selector, targets) in TEXT_REFERENCES.get(name, {}).items():
        value = description.get(field_name)
        if not value:
            continue
        if selector == "query":
            description[field_name] = sorted(
                (key, identities.get(targets.get(key), {}).get(text, text))
                for key, text in parse_qsl(value, keep_blank_values=True)
            )
            continue
        target = text_reference_target(selector, targets, description)
        if target:
            description[field_name] = identities.get(target, {}).get(value, value)


def files_digest(*, using: str = "default") -> dict[str, str]:
    """``{field label/name: sha256}`` of every file a row names."""
    from .dump import file_fields

    found = {}
    for model in backup_models():
        for field in file_fields(model):
            names = (
                model._base_manager.using(using)
                .exclude(**{field.attname: ""})
                .values_list(field.attname, flat=True)
            )
            for stored in names.iterator():
                digest = hashlib.sha256()
                try:
                    with field.storage.open(stored, "rb") as stream:
                        for chunk in iter(lambda s=stream: s.read(65536), b""):
                            digest.update(chunk)
                except OSError:
                    found[f"{label(model)}.{field.name}/{stored}"] = "missing"
                    continue
                found[f"{label(model)}.{field.name}/{stored}"] = digest.hexdigest()
    return found
