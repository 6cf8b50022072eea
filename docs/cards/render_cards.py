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
   the renderer leaves that to the host) and the Roboto font (Teams' font
   stack falls back to Roboto where Segoe UI is missing) into a temporary
   folder, never into the repository. ``--node-modules DIR`` reuses a folder
   that already holds them.
3. Renders each card in Chromium (Playwright) with a host config of Teams'
   light theme (its fonts, sizes, spacing and colours) inside a light card
   container, and saves ``docs/images/teams-card-<name>.png``, cropped to
   the card, 600 pixels wide. The renderer's parse warnings are printed; a
   card that does not parse fails the run.
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

# Teams' light theme, as a host config for the renderer (values from Teams'
# published light host config: Segoe UI, 14px text, #252424 ink, #6264a7
# accent).
TEAMS_FONT = "'Segoe UI', Roboto, 'Helvetica Neue', sans-serif"
TEAMS_COLOURS = {
    "default": ("#252424", "#bf252424"),
    "dark": ("#252424", "#bf252424"),
    "light": ("#ffffff", "#fff3f2f1"),
    "accent": ("#6264a7", "#8b8cc7"),
    "good": ("#237b4b", "#bf237b4b"),
    "warning": ("#835c00", "#bf835c00"),
    "attention": ("#c4314b", "#e5c4314b"),
}
TEAMS_BACKGROUNDS = {
    "default": "#ffffff",
    "emphasis": "#f5f5f5",
    "accent": "#e8ebfa",
    "good": "#e7f2da",
    "attention": "#fcf4f6",
    "warning": "#fbf6d9",
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
        "fontStyles": {
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


def sample_messages() -> dict[str, dict]:
    """``{name: message}``: each card's message body as it would be posted."""
    from integrations.teams.cards import adaptive_card, adaptive_message

    facts = [
        {"title": "Requester", "value": "Ann Lee (ann@acme.example)"},
        {"title": "Priority", "value": "Urgent"},
        {"title": "Status", "value": "New"},
        {"title": "SLA", "value": "First reply in 45m"},
    ]
    body = [
        {
            "type": "TextBlock",
            "text": "New urgent ticket",
            "isSubtle": True,
            "size": "Small",
        },
        {
            "type": "TextBlock",
            "text": "#1042 Printer on floor 3 jams",
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "FactSet", "facts": facts},
    ]
    actions = [
        {
            "type": "Action.OpenUrl",
            "title": "Open ticket",
            "url": "https://helpdesk.example.com/agent/tickets/1042/",
        }
    ]
    return {"placeholder": adaptive_message(adaptive_card(body, actions))}


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
  const target = document.getElementById('card');
  target.replaceChildren(adaptive.render());
  return problems;
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
            card = message["attachments"][0]["content"]
            problems = page.evaluate(
                "([card, config]) => window.renderCard(card, config)",
                [card, host_config],
            )
            for problem in problems:
                print(f"{name}: {problem}")
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
