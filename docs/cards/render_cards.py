"""Render the Teams cards shown in the README, as Teams would show them.

Run from the repository root, with the project installed in ``.venv`` and
Debian's Chromium (``apt-get install chromium``) and npm on the machine::

    .venv/bin/python docs/cards/render_cards.py

What it does:

1. Builds demo-like tickets in a throwaway SQLite database (a temporary
   folder, migrated from scratch, with the test settings: tasks run in this
   process and mail stays in memory, so nothing leaves the machine) and asks
   the project's own card builders (``integrations.teams.cards``) for the
   cards the seeded automation rules post. Each message body, exactly as it
   would be posted to the Teams Workflows URL, is written to
   ``docs/cards/<name>.json``.
2. Installs Microsoft's Adaptive Cards renderer for JavaScript (npm package
   ``adaptivecards``), markdown-it (Teams renders Markdown in text blocks;
   the renderer leaves that to the host) and the Roboto font (standing in
   for Teams' Segoe UI, which may not be redistributed) into a temporary
   folder, never into the repository. ``--node-modules DIR`` reuses a folder
   that already holds them.
3. Renders each card in Chromium (Playwright) with a host config of Teams'
   light theme (its fonts, sizes, spacing and colours) inside a light card
   container, and saves ``docs/images/teams-card-<name>.png``, cropped to
   the card, 600 pixels wide. The renderer's parse warnings are printed; a
   card that renders nothing fails the run. A text answer (the bot's reply
   to a command) is shown as Teams shows bot text: its Markdown rendered.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CARDS_DIR = ROOT / "docs" / "cards"
IMAGES_DIR = ROOT / "docs" / "images"
NPM_PACKAGES = [
    "adaptivecards@3.0.6",
    "markdown-it@15.0.3",
    "@fontsource/roboto@5.3.0",
]
FRAME_WIDTH = 600
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

# Teams' light theme, as a host config for the renderer: the values of the
# Teams light host config Microsoft publishes with the Adaptive Cards samples
# (Segoe UI, 14px text, #252424 ink, #6264a7 accent; colours as #AARRGGBB
# where they carry an alpha). Where Segoe UI is missing, Roboto stands in.
TEAMS_FONT = "'Segoe UI', Roboto, 'Helvetica Neue', sans-serif"
TEAMS_COLOURS = {
    "default": ("#252424", "#bf252424"),
    "dark": ("#252424", "#bf252424"),
    "light": ("#ffffff", "#fff3f2f1"),
    "accent": ("#6264a7", "#8b8cc7"),
    "good": ("#92c353", "#e592c353"),
    "warning": ("#f8d22a", "#e5f8d22a"),
    "attention": ("#c4314b", "#e5c4314b"),
}
TEAMS_BACKGROUNDS = {
    "default": "#ffffff",
    "emphasis": "#fff9f8f7",
    "accent": "#c7def9",
    "good": "#ccffcc",
    "attention": "#ffc5b2",
    "warning": "#ffe2b2",
}


def teams_host_config() -> dict:
    """The renderer's host config: Teams' light theme."""
    foreground = {
        name: {"default": default, "subtle": subtle}
        for name, (default, subtle) in TEAMS_COLOURS.items()
    }
    font_sizes = {
        "small": 12,
        "default": 14,
        "medium": 14,
        "large": 18,
        "extraLarge": 24,
    }
    font_weights = {"lighter": 200, "default": 400, "bolder": 600}
    return {
        "supportsInteractivity": True,
        "spacing": {
            "small": 8,
            "default": 12,
            "medium": 16,
            "large": 20,
            "extraLarge": 24,
            "padding": 16,
        },
        "separator": {"lineThickness": 1, "lineColor": "#EEEEEE"},
        "imageSizes": {"small": 32, "medium": 52, "large": 100},
        # The renderer reads "fontTypes" (Teams' own file says "fontStyles",
        # which this renderer ignores) and the top-level legacy keys.
        "fontFamily": TEAMS_FONT,
        "fontSizes": font_sizes,
        "fontWeights": font_weights,
        "fontTypes": {
            "default": {
                "fontFamily": TEAMS_FONT,
                "fontSizes": font_sizes,
                "fontWeights": font_weights,
            },
            "monospace": {
                "fontFamily": "'Courier New', Courier, monospace",
                "fontSizes": font_sizes,
                "fontWeights": font_weights,
            },
        },
        "containerStyles": {
            name: {"backgroundColor": background, "foregroundColors": foreground}
            for name, background in TEAMS_BACKGROUNDS.items()
        },
        "actions": {
            "maxActions": 6,
            "spacing": "Default",
            "buttonSpacing": 8,
            "showCard": {"actionMode": "Inline", "inlineTopMargin": 16},
            "actionsOrientation": "Horizontal",
            "actionAlignment": "Left",
        },
        "adaptiveCard": {"allowCustomStyle": False},
        "factSet": {
            "title": {"weight": "Bolder", "wrap": True},
            "value": {"wrap": True},
            "spacing": 16,
        },
    }


# --- Sample cards -----------------------------------------------------------------


def django_setup(database_folder: Path) -> None:
    """Django on a fresh SQLite file with the test settings, migrated."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database_folder / 'cards.sqlite3'}"
    os.environ["TICKET_NUMBER_START"] = "1042"
    os.environ.setdefault("SITE_URL", "https://helpdesk.example.com")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# The demo's clock: a Monday morning in office hours (the demo SLA calendar is
# Berlin's, Mon-Fri 08-18), so the cards read the same on every run.
DEMO_NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def sample_messages() -> dict[str, dict]:
    """``{name: message}``: each card's message body as it would be posted,
    made by the project's card builder from real ticket events: the events
    go through ``notifications.services.notice_for`` and
    ``integrations.teams.cards.card_for_notice`` as ``teams_dispatch`` sends
    them (a note is printed if no active Teams rule would post one).
    Also one command answer (``#1042``, the breached ticket, asked by a
    linked agent), from
    ``integrations.teams.commands.command_handle``."""
    import time_machine

    with time_machine.travel(DEMO_NOW - timedelta(hours=6), tick=False):
        people = _demo_people()
        breached = _ticket_opened(
            people,
            subject="VPN drops every few minutes since this morning",
            body="Since 7:00 the VPN disconnects every 3-5 minutes.",
            priority="high",
        )
    with time_machine.travel(DEMO_NOW - timedelta(hours=1), tick=False):
        rated = _ticket_opened(
            people,
            subject="Invoice 991 charged twice",
            body="We were charged twice for invoice 991 in November.",
            priority="normal",
        )
        _rated_bad(people, rated)
    with time_machine.travel(DEMO_NOW, tick=False):
        urgent = _ticket_opened(
            people,
            subject="Payment page returns error 500 for every customer",
            body="Checkout fails for everyone since 9:50. Error 500 on /pay.",
            priority="urgent",
        )
        breach_event = _sla_breach(breached)
        messages = {
            "new-urgent-ticket": _card(urgent.events.get(kind="created")),
            "sla-breach": _card(breach_event),
            "bad-rating": _card(rated.events.get(kind="satisfaction")),
            "command-show": _command_answer(people, f"#{breached.number}"),
        }
    return messages


def _demo_people() -> dict:
    from accounts.models import User
    from helpdesk.demo.service_levels import standard_level_add
    from organizations.models import Department, Organization, Team

    standard_level_add(year=DEMO_NOW.year)
    acme = Organization.objects.create(name="Acme Corp")
    department = Department.objects.create(name="IT Support")
    team = Team.objects.create(name="Service desk", department=department)
    agent = User.objects.create_user(
        email="nia@helpdesk.example", full_name="Nia Okafor", role=User.Role.AGENT
    )
    department.agents.add(agent)
    team.members.add(agent)
    customer = User.objects.create_user(
        email="ann.lee@acme.example",
        full_name="Ann Lee",
        role=User.Role.CUSTOMER,
        organization=acme,
    )
    return {"agent": agent, "customer": customer, "team": team}


def _ticket_opened(people: dict, *, subject: str, body: str, priority: str):
    from tickets.services import ticket_create

    return ticket_create(
        requester=people["customer"],
        subject=subject,
        body=body,
        priority=priority,
        team=people["team"],
    )


def _rated_bad(people: dict, ticket) -> None:
    from tickets.services import message_add, ticket_assign
    from tickets.services.satisfaction import satisfaction_rate

    agent = people["agent"]
    ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    message_add(
        ticket=ticket,
        author=agent,
        body="The second charge is a pre-authorisation; it disappears in a week.",
        status="solved",
    )
    ticket.refresh_from_db()
    satisfaction_rate(
        ticket=ticket,
        actor=people["customer"],
        rating="bad",
        comment="It did not disappear. Please refund the second charge.",
    )


def _sla_breach(ticket):
    from tickets.models import TicketEvent
    from tickets.services.sla_sweep import sla_sweep

    sla_sweep(now=DEMO_NOW)
    return TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").latest(
        "created_at"
    )


def _card(ticket_event) -> dict:
    from integrations.teams.cards import adaptive_message, card_for_notice
    from notifications.models import AutomationRule
    from notifications.services import notice_for, rules_for

    notice = notice_for(ticket_event)
    if notice is None:
        sys.exit(f"No notice for the event {ticket_event.kind}.")
    rules = rules_for(notice, action=AutomationRule.Action.TEAMS)
    if not rules:
        print(f"note: no active Teams rule posts a card for {notice.event}")
    return adaptive_message(card_for_notice(notice, ticket_event=ticket_event))


def _command_answer(people: dict, text: str) -> dict:
    from integrations.models import TeamsConnector, TeamsLink
    from integrations.teams.activity import Activity
    from integrations.teams.commands import command_handle

    connector = TeamsConnector.objects.create(name="IT Support channel")
    TeamsLink.objects.create(
        tenant_id="tenant",
        aad_object_id="aad-nia",
        user=people["agent"],
        display_name="Nia Okafor",
    )
    activity = Activity(
        id="activity-1",
        text=text,
        display_name="Nia Okafor",
        aad_object_id="aad-nia",
        tenant_id="tenant",
        raw={},
    )
    return command_handle(connector=connector, activity=activity)


# --- Rendering ----------------------------------------------------------------------


def npm_install(folder: Path) -> Path:
    """Install the renderer, markdown-it and Roboto into ``folder``; return
    its ``node_modules``."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed (apt-get install npm).")
    command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund"]
    subprocess.run([*command, *NPM_PACKAGES], check=True)  # noqa: S603
    return folder / "node_modules"


def _font_face(node_modules: Path, weight: int) -> str:
    font = node_modules / f"@fontsource/roboto/files/roboto-latin-{weight}-normal.woff2"
    data = base64.b64encode(font.read_bytes()).decode()
    return (
        "@font-face{font-family:Roboto;font-style:normal;"
        f"font-weight:{weight};src:url(data:font/woff2;base64,{data}) format('woff2')}}"
    )


PAGE_CSS = """
html, body { margin: 0; background: #f5f5f5; }
#frame { width: %(width)spx; box-sizing: border-box; padding: 16px; }
#card {
  background: #ffffff; border: 1px solid #e1dfdd; border-radius: 6px;
  box-shadow: 0 1.6px 3.6px rgba(0,0,0,.13), 0 .3px .9px rgba(0,0,0,.11);
  overflow: hidden;
}
.ac-adaptiveCard p { margin: 0; }
.ac-adaptiveCard p + p { margin-top: 4px; }
.ac-adaptiveCard a { color: #6264a7; text-decoration: none; }
.text-answer { padding: 12px 16px; font: 14px/20px %(font)s; color: #252424; }
.text-answer p { margin: 0 0 8px; }
.text-answer p:last-child { margin-bottom: 0; }
.text-answer a { color: #6264a7; }
.ac-pushButton {
  font-family: %(font)s; font-size: 14px; font-weight: 600;
  height: 32px; padding: 0 20px; min-width: 96px; flex: 0 1 auto !important;
  color: #252424; background: #ffffff; border: 1px solid #e1dfdd;
  border-radius: 4px;
}
.ac-pushButton.style-positive { color: #ffffff; background: #6264a7;
  border-color: #6264a7; }
"""

PAGE_SCRIPT = """
window.renderCard = function (card, hostConfig) {
  const md = window.markdownit({html: false, linkify: false, breaks: true});
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
    result.outputHtml = md.render(text);
    result.didProcess = true;
  };
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) {
    problems.push(context.getEventAt(i).message);
  }
  const element = adaptive.render();
  if (element) {
    document.getElementById('card').replaceChildren(element);
  } else {
    problems.push('the card did not render');
  }
  return problems;
};
// A text answer: Teams shows a bot's text as Markdown in the reply.
window.renderText = function (text) {
  const md = window.markdownit({html: false, linkify: true, breaks: true});
  const target = document.getElementById('card');
  target.innerHTML = '<div class="text-answer">' + md.render(text) + '</div>';
  return [];
};
"""


def page_html(node_modules: Path) -> str:
    """One page holding the renderer, markdown-it, Roboto and the frame; all
    inline, so the page loads nothing."""
    scripts = [
        node_modules / "markdown-it/dist/browser/markdown-it.umd.min.js",
        node_modules / "adaptivecards/dist/adaptivecards.min.js",
    ]
    fonts = "".join(_font_face(node_modules, weight) for weight in (400, 600, 700))
    css = (node_modules / "adaptivecards/dist/adaptivecards.css").read_text()
    tag = "scr" + "ipt"
    inline = "".join(f"<{tag}>{path.read_text()}</{tag}>" for path in scripts)
    page_css = PAGE_CSS % {"width": FRAME_WIDTH, "font": TEAMS_FONT}
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{fonts}{css}{page_css}</style>{inline}"
        f"<{tag}>{PAGE_SCRIPT}</{tag}></head>"
        "<body><div id='frame'><div id='card'></div></div></body></html>"
    )


def render(messages: dict[str, dict], node_modules: Path) -> list[Path]:
    """Screenshot each message's card into ``docs/images``; the PNG paths."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is not installed (apt-get install chromium).")
    host_config = teams_host_config()
    html = page_html(node_modules)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=LAUNCH_ARGS
        )
        page = browser.new_page(
            viewport={"width": FRAME_WIDTH, "height": 400}, device_scale_factor=1
        )
        for name, message in messages.items():
            page.set_content(html)
            if message.get("attachments"):
                card = message["attachments"][0]["content"]
                problems = page.evaluate(
                    "([card, config]) => window.renderCard(card, config)",
                    [card, host_config],
                )
            else:
                problems = page.evaluate("window.renderText", message["text"])
            for problem in problems:
                print(f"{name}: {problem}")
            if page.locator("#card > *").count() == 0:
                sys.exit(f"{name}: nothing rendered.")
            page.evaluate("document.fonts.ready")
            path = IMAGES_DIR / f"teams-card-{name}.png"
            page.locator("#frame").screenshot(path=str(path))
            written.append(path)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--node-modules",
        type=Path,
        help="a node_modules folder that already holds "
        + ", ".join(NPM_PACKAGES)
        + " (default: install them into a temporary folder)",
    )
    args = parser.parse_args(argv)
    CARDS_DIR.mkdir(parents=True, exist_ok=True)
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="helpdesk-cards-") as scratch:
        scratch_path = Path(scratch)
        django_setup(scratch_path)
        messages = sample_messages()
        for name, message in messages.items():
            path = CARDS_DIR / f"{name}.json"
            path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
            print(f"wrote {path.relative_to(ROOT)}")
        node_modules = args.node_modules or npm_install(scratch_path / "npm")
        for path in render(messages, node_modules):
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
