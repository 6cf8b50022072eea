"""Headers and markup that keep injected script from running.

Every response carries a strict Content-Security-Policy and a
Permissions-Policy; no template or rendered page relies on inline script,
event-handler attributes, ``javascript:`` URLs, inline styles or htmx
features that evaluate strings; no page puts the CSRF token where a GET would
carry it into a URL (and so into server and proxy logs). Production refuses
weak secret keys and trusts ``X-Forwarded-Proto`` only behind a configured
proxy.
"""

import json
import re
import secrets
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.tests.test_settings import run_manage
from tickets.models import CannedResponse
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

BASE = settings.BASE_DIR
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:")


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name] = sources
    return directives


def assert_strict_policy(response, where: str) -> None:
    policy = csp(response)
    assert policy.get("default-src") == ["'self'"], where
    script = policy.get("script-src", policy["default-src"])
    assert "'self'" in script, where
    assert not set(script) & set(UNSAFE), (where, script)
    assert "script-src-attr" not in policy, where
    style = policy.get("style-src", policy["default-src"])
    assert not set(style) & set(UNSAFE), (where, style)
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'self'"], where
    assert policy.get("form-action") == ["'self'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    features = dict(
        item.strip().split("=", 1)
        for item in response.headers.get("Permissions-Policy", "").split(",")
        if item.strip()
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features.get(feature) == "()", (where, feature)


@pytest.fixture
def people(department):
    customer = UserFactory(full_name="Casey Customer")
    agent = UserFactory(agent=True, full_name="Alex Agent")
    department.agents.add(agent)
    admin = UserFactory(admin=True)
    ticket = TicketFactory(department=department, requester=customer, open=True)
    MessageFactory(ticket=ticket, author=customer, body="Printer **on fire**")
    CannedResponse.objects.create(
        owner=agent, title="Restart", body="Hi {requester_name}, please restart."
    )
    return {"customer": customer, "agent": agent, "admin": admin, "ticket": ticket}


PAGES = [
    (None, "/accounts/login/"),
    (None, "/accounts/register/"),
    (None, "/accounts/password_reset/"),
    (None, "/no-such-page/"),
    ("customer", "/portal/"),
    ("customer", "/portal/tickets/"),
    ("customer", "TICKET_PORTAL"),
    ("customer", "/portal/tickets/new/"),
    ("customer", "/accounts/profile/"),
    ("agent", "/agent/"),
    ("agent", "/agent/tickets/"),
    ("agent", "TICKET_AGENT"),
    ("agent", "/agent/tickets/new/"),
    ("agent", "/agent/canned/"),
    ("agent", "/accounts/mfa/"),
    ("admin", "/admin/"),
    ("admin", "/admin/tickets/ticket/"),
    ("admin", "ADMIN_CHANGE_FORM"),
    (None, "/api/v1/docs"),
    (None, "/api/v1/openapi.json"),
    (None, "/api/v1/tickets/"),
]


def resolve(path: str, people) -> str:
    ticket = people["ticket"]
    return {
        "TICKET_PORTAL": ticket.get_absolute_url(),
        "TICKET_AGENT": ticket.get_agent_url(),
        "ADMIN_CHANGE_FORM": reverse("admin:tickets_ticket_change", args=[ticket.pk]),
    }.get(path, path)


def fetch(client, login, people, who, path):
    if who:
        login(people[who])
    return client.get(resolve(path, people))


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_every_response_has_a_strict_csp_and_permissions_policy(
    client, login, people, who, path
):
    response = fetch(client, login, people, who, path)
    assert response.status_code in (200, 401, 404), (path, response.status_code)
    assert_strict_policy(response, path)


def test_swagger_ui_runs_its_scripts_from_files_only(client):
    """Swagger UI's page has a JSON data block and two script files: the
    site-wide policy serves it unchanged, no nonce and no inline code."""
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert "ninja/swagger-ui-bundle.js" in html
    assert_strict_policy(response, "/api/v1/docs")
    assert InlineCodeFinder.scan(html) == []


def test_redoc_runs_its_scripts_from_our_files_and_relaxes_only_styles(client):
    """ReDoc at /api/v1/redoc, offline: its script and its starter are our
    static files, no CDN; only style-src (styled-components) and worker-src
    (its search worker from a blob:) differ from the site-wide policy."""
    response = client.get("/api/v1/redoc")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/redoc.standalone.js" in html
    assert "/static/js/redoc-init.js" in html
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert "cdn" not in html.lower()
    assert InlineCodeFinder.scan(html) == []
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["blob:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


# --- No inline code in what the server sends -----------------------------------


class InlineCodeFinder(HTMLParser):
    """Collects every construct a strict CSP would refuse to run or apply."""

    EVAL_HTMX = re.compile(r"^\s*(js|javascript):", re.IGNORECASE)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._inline_script = False

    @classmethod
    def scan(cls, html: str) -> list[str]:
        finder = cls()
        finder.feed(html)
        finder.close()
        return finder.problems

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            data_block = attributes.get("type", "").lower() == "application/json"
            if not data_block:
                self.problems.append(f"inline <script> {attributes}")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            value = value or ""
            if re.fullmatch(r"on[a-z]+", name):
                self.problems.append(f"<{tag} {name}=…>")
            elif name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            elif name.startswith(("hx-on", "data-hx-on")) or name in (
                "hx-vars",
                "data-hx-vars",
            ):
                self.problems.append(f"<{tag} {name}=…> (evaluated by htmx)")
            elif name in ("hx-vals", "hx-headers") and self.EVAL_HTMX.match(value):
                self.problems.append(f"<{tag} {name}={value!r}> (evaluated)")
            elif name == "hx-trigger" and "[" in value:
                self.problems.append(f"<{tag} {name}={value!r}> (evaluated filter)")
            elif "javascript:" in value.replace(" ", "").lower() and name in (
                "href",
                "src",
                "action",
                "formaction",
                "hx-get",
                "hx-post",
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_rendered_pages_have_no_inline_code(client, login, people, who, path):
    response = fetch(client, login, people, who, path)
    if "html" not in response.get("Content-Type", ""):
        return
    assert InlineCodeFinder.scan(response.content.decode()) == [], path


def project_templates():
    """Every template of the project: templates/ and each app's templates/."""
    folders = [BASE / "templates", *BASE.glob("*/templates")]
    found = sorted(
        path
        for folder in folders
        if ".venv" not in folder.parts
        for path in folder.rglob("*.html")
    )
    assert len(found) > 30
    return found


# Template source, before rendering: inline script, handlers, javascript: URLs,
# inline styles and the htmx attributes that run strings as code.
TEMPLATE_FORBIDDEN = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE
    ),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "hx-on / hx-vars": re.compile(r"\b(hx-on|hx-vars)\b", re.IGNORECASE),
    "js: in hx-vals/hx-headers": re.compile(
        r"hx-(vals|headers)\s*=\s*['\"]\s*(js|javascript):", re.IGNORECASE
    ),
    "evaluated hx-trigger filter": re.compile(
        r"hx-trigger\s*=\s*['\"][^'\"]*\[", re.IGNORECASE
    ),
}


def test_no_template_holds_inline_code_or_styles():
    problems = [
        f"{path.relative_to(BASE)}:{text[: match.start()].count(chr(10)) + 1}: {kind}"
        for path in project_templates()
        for text in [path.read_text()]
        for kind, pattern in TEMPLATE_FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]
    assert problems == []


def test_html_built_in_python_for_pages_has_no_inline_code():
    """Admin displays and template tags build HTML in Python: the same rules."""
    apps = [folder for folder in BASE.iterdir() if (folder / "apps.py").exists()]
    patterns = ("**/admin*.py", "**/templatetags/*.py", "**/*views.py", "**/views/*.py")
    sources = sorted(
        {
            path
            for app in apps
            for pattern in patterns
            for path in app.glob(pattern)
            if "tests" not in path.relative_to(app).parts
        }
    )
    # Modules one level down count too (integrations/webhooks/admin.py).
    assert BASE / "integrations" / "webhooks" / "admin.py" in sources
    html_in_python = {
        "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)", re.IGNORECASE),
        "on*= handler": re.compile(r"\son[a-z]+=[\\]?[\"']", re.IGNORECASE),
        "javascript: URL": re.compile(r"=[\\]?[\"']\s*javascript:", re.IGNORECASE),
        "style= attribute": re.compile(r"\sstyle=[\\]?[\"']", re.IGNORECASE),
        "<style> element": TEMPLATE_FORBIDDEN["<style> element"],
    }
    problems = [
        f"{path.relative_to(BASE)}:{text[: match.start()].count(chr(10)) + 1}: {kind}"
        for path in sources
        for text in [path.read_text()]
        for kind, pattern in html_in_python.items()
        for match in pattern.finditer(text)
    ]
    assert problems == []


def test_htmx_is_configured_to_evaluate_nothing(client):
    html = client.get("/accounts/login/").content.decode()
    match = re.search(r"<meta name=\"htmx-config\" content=(['\"])(.+?)\1", html)
    assert match, "base.html sets htmx's config through a meta tag"
    config = json.loads(match.group(2).replace("&quot;", '"'))
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]


# --- No CSRF token in a URL -------------------------------------------------------


class TokenInUrlFinder(HTMLParser):
    """Finds every place a browser would put the CSRF token into a URL: an
    attribute holding a URL with the token, a GET form that holds it, a
    control that submits a token-holding form as GET, and an htmx GET that
    includes a token-holding form."""

    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post")

    def __init__(self, token: str):
        super().__init__(convert_charrefs=True)
        self.token = token
        self.forms: list[dict] = []  # every form: method, id, holds token, controls
        self.open_forms: list[dict] = []
        self.hx_get_includes: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        for name in self.URL_ATTRIBUTES:
            value = attributes.get(name, "")
            if "csrfmiddlewaretoken" in value or (self.token and self.token in value):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "form":
            form = {
                "method": attributes.get("method", "get").lower(),
                "id": attributes.get("id", ""),
                "token": False,
                "get_controls": [],
            }
            self.forms.append(form)
            self.open_forms.append(form)
            return
        form = self.open_forms[-1] if self.open_forms else None
        if (
            form is not None
            and tag == "input"
            and attributes.get("name") == "csrfmiddlewaretoken"
        ):
            form["token"] = True
        if attributes.get("formmethod", "").lower() == "get" and form is not None:
            form["get_controls"].append(f"<{tag} formmethod=get>")
        if "hx-get" in attributes and "hx-include" in attributes:
            self.hx_get_includes.append(attributes["hx-include"])
        if "hx-get" in attributes and form is not None:
            form["get_controls"].append(f"<{tag} hx-get> inside the form")

    def handle_endtag(self, tag):
        if tag == "form" and self.open_forms:
            self.open_forms.pop()

    @classmethod
    def scan(cls, html: str, token: str) -> list[str]:
        finder = cls(token)
        finder.feed(html)
        finder.close()
        for form in finder.forms:
            if not form["token"]:
                continue
            if form["method"] == "get":
                finder.problems.append(f"GET form {form['id']!r} holds the token")
            finder.problems.extend(form["get_controls"])
            if form["id"] and any(
                f"#{form['id']}" in selector for selector in finder.hx_get_includes
            ):
                finder.problems.append(f"an hx-get includes #{form['id']}")
        return finder.problems


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_no_page_puts_the_csrf_token_into_a_url(client, login, people, who, path):
    response = fetch(client, login, people, who, path)
    if "html" not in response.get("Content-Type", ""):
        return
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    assert TokenInUrlFinder.scan(response.content.decode(), token) == [], path


def test_canned_insert_takes_the_token_in_the_body_not_the_url(client, login, people):
    """The agent ticket page inserts a canned response with a POST; a GET (what
    a logged URL would replay) is refused and the reply box gets the text."""
    agent, ticket = people["agent"], people["ticket"]
    client = login(agent)
    client.handler.enforce_csrf_checks = True
    page = client.get(ticket.get_agent_url())
    html = page.content.decode()
    token = client.cookies["csrftoken"].value
    assert TokenInUrlFinder.scan(html, token) == []
    url = reverse("tickets:agent_canned_insert", args=[ticket.number])
    canned = CannedResponse.objects.get(owner=agent)
    data = {"canned": canned.pk, "body": "Hello", "kind": "internal"}

    assert client.get(url, data).status_code == 405
    refused = client.post(url, data, headers={"HX-Request": "true"})
    assert refused.status_code == 403, "a POST without the token is refused"

    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        url,
        {**data, "csrfmiddlewaretoken": form_token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    form = response.context["reply_form"]
    assert form.initial["body"] == "Hello\n\nHi Casey, please restart."
    assert form.initial["kind"] == "internal"
    assert TokenInUrlFinder.scan(response.content.decode(), token) == []


def test_canned_insert_works_without_javascript(client, login, people):
    """No htmx: the Insert button posts the reply form; the whole page comes
    back with the text in the reply box."""
    agent, ticket = people["agent"], people["ticket"]
    login(agent)
    canned = CannedResponse.objects.get(owner=agent)
    response = client.post(
        reverse("tickets:agent_canned_insert", args=[ticket.number]),
        {"canned": canned.pk, "body": ""},
    )
    assert response.status_code == 200
    assert "Hi Casey, please restart." in response.content.decode()
    assert response.templates[0].name == "tickets/agent/detail.html"


# A GET that could send a form: formmethod="get", or an hx-get that includes
# anything but one field by its id (``#id_subject`` names one input, which
# never holds the token; the page-level check above catches an hx-get inside
# a token-holding form).
GET_SENDING_A_FORM = r"formmethod=\"get\"|hx-get=[^>]*hx-include=\"(?!#id_\w+\")"


def test_no_template_submits_a_token_holding_form_as_get():
    """Source-level guard for templates no test renders: a template with a
    CSRF token never also has a GET control that would send the form."""
    offenders = [
        str(path.relative_to(BASE))
        for path in project_templates()
        for text in [path.read_text()]
        if "csrf_token" in text and re.search(GET_SENDING_A_FORM, text, re.I)
    ]
    assert offenders == []


# --- Production: secret key and proxy ---------------------------------------------


GOOD_KEY = secrets.token_urlsafe(50)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("short-" + secrets.token_urlsafe(20), "shorter than 50"),
        ("ab" * 30, "fewer than 5 different"),
        ("django-insecure-" + secrets.token_urlsafe(50), "django-insecure-"),
        ("dev-only-insecure-key-change-me", "published"),
    ],
    ids=["short", "few-characters", "django-insecure", "dev-key"],
)
def test_production_refuses_a_weak_secret_key(key, reason):
    result = run_manage("check", DJANGO_SECRET_KEY=key, ALLOWED_HOSTS="h.example")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr, "says how to make one"
    assert key not in result.stderr, "never prints the key"


@pytest.mark.parametrize(
    "key",
    [
        "dev-only-insecure-key-change-me" * 2,
        "dev-only-insecure-key-change-me-please-really-change-it",
        "changeme" * 7,
        "abcde" * 10,
        "test-only-secret-key-not-for-production-" + secrets.token_urlsafe(20),
        "DJANGO-INSECURE-" + secrets.token_urlsafe(50),
        "x7#Kq9" * 9,
        "my-placeholder-" + secrets.token_urlsafe(40),
    ],
)
def test_long_keys_that_are_still_weak_are_refused(key):
    from helpdesk.settings.secret_key import secret_key_problem

    assert secret_key_problem(key) is not None


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(50),
        secrets.token_hex(32),
        "correct horse battery staple purple monkey dishwasher lamp",
    ],
)
def test_random_keys_are_accepted(key):
    from helpdesk.settings.secret_key import secret_key_problem

    assert secret_key_problem(key) is None


def keys_written_in_the_repo() -> set[str]:
    """Every secret key literally written in the project's files."""
    patterns = [
        re.compile(r"DJANGO_SECRET_KEY[=:]\s*\"?([^\s\"$]+)"),
        re.compile(r"SECRET_KEY\s*=\s*[\"']([^\"']+)[\"']"),
        re.compile(r"env\(\s*\"DJANGO_SECRET_KEY\",\s*default=\"([^\"]+)\""),
    ]
    files = [
        BASE / ".env.example",
        BASE / "Dockerfile",
        BASE / "docker-compose.yml",
        BASE / "README.md",
        *sorted((BASE / "helpdesk" / "settings").glob("*.py")),
        *sorted((BASE / ".ci").glob("*")),
    ]
    keys = {
        match
        for path in files
        if path.is_file()
        for pattern in patterns
        for match in pattern.findall(path.read_text())
    }
    return {key for key in keys if not key.startswith(("{", "(", "$", "?"))}


def test_every_key_written_in_the_repo_is_refused():
    from helpdesk.settings.secret_key import secret_key_problem

    keys = keys_written_in_the_repo()
    assert "dev-only-insecure-key-change-me" in keys
    assert "test-only-secret-key-not-for-production" in keys
    assert [key for key in keys if secret_key_problem(key) is None] == []


def test_a_key_written_in_the_repo_is_refused_for_that_reason():
    from helpdesk.settings.secret_key import KNOWN_KEYS, secret_key_problem

    assert keys_written_in_the_repo() <= KNOWN_KEYS
    for key in KNOWN_KEYS:
        assert "published" in (secret_key_problem(key) or ""), key
    assert secret_key_problem(GOOD_KEY) is None


PROXY_PROBE = (
    "from django.conf import settings as s; "
    "from django.test import RequestFactory; "
    "r = RequestFactory().get('/', headers={'X-Forwarded-Proto': 'https'}); "
    "print(s.SECURE_PROXY_SSL_HEADER, r.is_secure())"
)


def test_without_a_proxy_x_forwarded_proto_is_not_trusted():
    result = run_manage(
        "shell",
        "-c",
        PROXY_PROBE,
        DJANGO_SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="h.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "None False"


def test_behind_a_configured_proxy_x_forwarded_proto_is_trusted():
    result = run_manage(
        "shell",
        "-c",
        PROXY_PROBE,
        DJANGO_SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="h.example",
        PROXY_COUNT="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "('HTTP_X_FORWARDED_PROTO', 'https') True"
    )
