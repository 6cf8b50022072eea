"""Every variable the settings read is documented in .env.example."""

import re

from django.conf import settings

READ = re.compile(r"""(?:env|environ\.get)(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def test_env_example_documents_every_setting():
    sources = [
        *sorted((settings.BASE_DIR / "helpdesk" / "settings").glob("*.py")),
        *sorted(settings.BASE_DIR.glob("*/management/commands/*.py")),
    ]
    read = {name for path in sources for name in READ.findall(path.read_text())}
    assert "HELPDESK_ADMIN_EMAIL" in read
    documented = set(
        DOCUMENTED.findall((settings.BASE_DIR / ".env.example").read_text())
    )
    assert "DATABASE_URL" in read
    assert read - documented == set()
