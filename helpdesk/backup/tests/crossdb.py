"""Steps of the cross-engine round trips, run as ``python -m
helpdesk.backup.tests.crossdb <step> ...`` in a process of their own whose
``DATABASE_URL`` and ``PRIVATE_MEDIA_ROOT`` name one database and its files
(test_cross_engine.py drives them like an operator would).

Steps:
- ``attach EMAIL``: add attachments (text, binary, a non-ASCII name) to the
  demo data's messages through the attachments service, and an
  authenticator (TOTP device) for that person;
- ``digest OUT [--milliseconds]``: write the database's digest and its
  files' checksums (:mod:`helpdesk.backup.compare`) as JSON to OUT;
- ``login EMAIL PASSWORD``: exit 0 when that password signs that person in;
- ``apikey_create EMAIL OUT``: make an API key for that person, write the
  key (the secret, shown once) to OUT;
- ``apikey_check KEY EMAIL``: exit 0 when the key authenticates as EMAIL;
- ``totp EMAIL``: exit 0 when that person's TOTP device accepts a code made
  now from its secret (the MFA secret survived).
"""

import json
import os
import sys

import django


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")
    django.setup()
    step = argv[0]
    if step == "attach":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from helpdesk.db import atomic
        from tickets.models import Message
        from tickets.services.attachments import attachments_store

        files = [
            ("notes.txt", b"plain text\n" * 50, "text/plain"),
            ("bytes.bin", bytes(range(256)) * 40, "application/octet-stream"),
            ("Übersicht ÄÖÜ.pdf", b"%PDF-1.4\n" + os.urandom(3000), "application/pdf"),
        ]
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.models import User

        admin = User.objects.get(email=argv[1])
        TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
        messages = list(Message.objects.filter(internal=False).order_by("pk")[:3])
        for message, (name, data, kind) in zip(messages, files, strict=True):
            with atomic():
                attachments_store(
                    message=message, uploads=[SimpleUploadedFile(name, data, kind)]
                )
        return 0
    if step == "digest":
        from helpdesk.backup.compare import database_digest, files_digest

        digest = database_digest(milliseconds="--milliseconds" in argv)
        out = {
            "rows": {label: dict(counter) for label, counter in digest.items()},
            "files": files_digest(),
        }
        with open(argv[1], "w", encoding="utf-8") as stream:
            json.dump(out, stream, sort_keys=True)
        return 0
    if step == "login":
        from django.contrib.auth import authenticate

        return 0 if authenticate(username=argv[1], password=argv[2]) else 1
    if step == "apikey_create":
        from accounts.models import User
        from accounts.services import api_key_create

        user = User.objects.get(email=argv[1])
        _, raw = api_key_create(user=user, name="cross-engine", scopes=("read",))
        with open(argv[2], "w", encoding="utf-8") as stream:
            stream.write(raw)
        return 0
    if step == "apikey_check":
        from accounts.authentication import authenticate_api_key

        found = authenticate_api_key(argv[1])
        return 0 if found and found[0].email == argv[2] else 1
    if step == "totp":
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user__email=argv[1]).first()
        if device is None:
            return 2
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        return 0 if device.verify_token(f"{code:0{device.digits}d}") else 1
    raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
