"""FAQ files in and out: a JSON list of ``{"question", "answer", "category",
"slug"}`` or a CSV with those columns (``category`` and ``slug`` optional in
both; ``slug`` is what an export writes so that importing it again finds the
same articles even after an editor changed a title).

Importing makes each entry a published, public article titled by its
question, in the category of that name (made when missing). Each imported
article carries ``import_key``, a digest of its normalised question
(``question_key``), so importing the same file again finds it. An entry's
article is, in this order:

1. the article whose address is the entry's ``slug``;
2. the article an earlier import made for the same question (``import_key``);
3. an article written by hand with the same title (casefolded);

but only an article the import could have made itself: one an import made
(``import_key`` set), or a published public one. An agents-only or
customers-only article, a draft, or an archived article written by hand is
never matched, however it is titled: the entry gets its own new article. Each
article is matched by one entry at most.

- an entry whose article has the same answer is left alone;
- an entry whose answer changed updates that article's body only (its
  title, category, status and visibility stay as editors left them: an
  article archived on purpose stays archived);
- otherwise a new article is made (at the entry's ``slug`` when that is
  free).

The whole file is checked before anything is written, and written in one
:func:`helpdesk.db.atomic` block: a bad row (its number is in the error)
leaves the database as it was. The same question twice is refused unless
each of those entries carries its own ``slug``; text holding a NUL character
is refused (PostgreSQL cannot store it).

Exporting writes the published public articles in the same shapes, with
their slugs. CSV cells that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written with
a leading ``'``, which importing a CSV takes off again.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass

from django.utils.text import slugify

from accounts.models import User
from helpdesk.db import atomic

from ..models import Article, ArticleCategory
from .articles import (
    BODY_MAX_CHARS,
    TITLE_MAX,
    ArticleError,
    article_create,
    article_update,
    category_create,
)

FORMATS = ("json", "csv")
COLUMNS = ("question", "answer", "category", "slug")
CATEGORY_MAX = 200
SLUG_MAX = 255
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
MAX_ENTRIES = 10_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FaqError(ArticleError):
    """The file cannot be imported; ``message`` names the row and the reason."""

    code = "invalid_faq"


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str
    category: str = ""
    slug: str = ""


@dataclass(frozen=True)
class FaqImportResult:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


def question_key(question: str) -> str:
    """A 64-character hex digest of the question, normalised (Unicode NFKC,
    casefolded, runs of white space as one space, trimmed)."""
    normal = " ".join(unicodedata.normalize("NFKC", question).casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()


def format_for(path: str) -> str:
    """``json`` or ``csv`` from a file name's extension; FaqError otherwise."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise FaqError(f"Use a .json or .csv file, not {path!r}.")
    return suffix


# --- Reading -----------------------------------------------------------------


def _entry(row: object, number: int, *, unquote: bool) -> FaqEntry:
    if not isinstance(row, dict):
        raise FaqError(f"Entry {number}: expected an object with question and answer.")
    values = {}
    for column in COLUMNS:
        value = row.get(column)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise FaqError(f"Entry {number}: {column} must be text.")
        if "\x00" in value:
            raise FaqError(
                f"Entry {number}: the {column} holds a NUL character (\\0); remove it."
            )
        if unquote and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
            value = value[1:]
        values[column] = value.strip()
    if not values["question"]:
        raise FaqError(f"Entry {number}: the question is empty.")
    if len(values["question"]) > TITLE_MAX:
        raise FaqError(
            f"Entry {number}: the question is longer than {TITLE_MAX} characters."
        )
    if not values["answer"]:
        raise FaqError(f"Entry {number}: the answer is empty.")
    if len(values["answer"]) > BODY_MAX_CHARS:
        raise FaqError(
            f"Entry {number}: the answer is longer than {BODY_MAX_CHARS:,} characters."
        )
    if len(values["category"]) > CATEGORY_MAX:
        raise FaqError(
            f"Entry {number}: the category is longer than {CATEGORY_MAX} characters."
        )
    slug = values["slug"]
    if slug and (len(slug) > SLUG_MAX or not SLUG_PATTERN.fullmatch(slug)):
        raise FaqError(
            f"Entry {number}: the slug may hold only letters, digits, hyphens "
            f"and underscores, at most {SLUG_MAX} of them."
        )
    return FaqEntry(**values)


def faq_parse(data: bytes | str, *, fmt: str) -> list[FaqEntry]:
    """The entries of a FAQ file (``fmt``: ``json`` or ``csv``; bytes are read
    as UTF-8, a byte-order mark allowed). Raises FaqError for malformed or
    too deeply nested JSON, malformed CSV, a missing column, an empty or too
    long field, text holding a NUL, a malformed slug, a slug given twice, a
    question asked twice without a slug on each, or more than
    ``MAX_ENTRIES`` entries; entries are numbered from 1 (for a CSV, the
    data row after the header)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FaqError(f"The file is not UTF-8 text ({error.reason}).") from None
    data = data.lstrip("\ufeff")
    if fmt == "json":
        try:
            rows = json.loads(data)
        except json.JSONDecodeError as error:
            raise FaqError(
                f"Not valid JSON: {error.msg} (line {error.lineno}, "
                f"column {error.colno})."
            ) from None
        except RecursionError:
            raise FaqError(
                "Not valid JSON for a FAQ: it is nested too deeply "
                "(expected a list of {question, answer} objects)."
            ) from None
        except ValueError as error:
            raise FaqError(f"Not valid JSON: {error}.") from None
        if not isinstance(rows, list):
            raise FaqError("The JSON must be a list of {question, answer} objects.")
        unquote = False
    elif fmt == "csv":
        try:
            reader = csv.DictReader(io.StringIO(data, newline=""), strict=True)
            header = [name.strip().lower() for name in (reader.fieldnames or [])]
            missing = [c for c in ("question", "answer") if c not in header]
            if missing:
                raise FaqError(
                    f"The CSV needs a header row with the columns question and "
                    f"answer (category optional); missing: {', '.join(missing)}."
                )
            reader.fieldnames = header
            rows = []
            for row in reader:
                if None in row:
                    raise FaqError(f"Entry {len(rows) + 1}: more cells than columns.")
                rows.append(row)
        except csv.Error as error:
            raise FaqError(
                f"Not valid CSV: {error} (line {reader.line_num})."
            ) from None
        unquote = True
    else:
        raise FaqError(f"Unknown format {fmt!r}: use json or csv.")
    if len(rows) > MAX_ENTRIES:
        raise FaqError(f"At most {MAX_ENTRIES:,} entries in one file.")
    entries = [_entry(row, n, unquote=unquote) for n, row in enumerate(rows, 1)]
    asked: dict[str, int] = {}
    slugs: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        if entry.slug:
            if entry.slug.lower() in slugs:
                raise FaqError(
                    f"Entry {number} has the same slug as entry "
                    f"{slugs[entry.slug.lower()]}."
                )
            slugs[entry.slug.lower()] = number
        key = question_key(entry.question)
        if key in asked and not (entry.slug and entries[asked[key] - 1].slug):
            raise FaqError(
                f"Entry {number} asks the same question as entry {asked[key]} "
                "(give each of them its own slug to keep both)."
            )
        asked.setdefault(key, number)
    return entries


# --- Importing ---------------------------------------------------------------


def _importable(article: Article) -> bool:
    """Whether an import may take ``article`` as an entry's: one an import
    made, or a published public one (never another audience's or a draft)."""
    return bool(article.import_key) or (
        article.status == Article.Status.PUBLISHED
        and article.visibility == Article.Visibility.PUBLIC
    )


@atomic
def faq_import(*, entries: list[FaqEntry], actor: User | None) -> FaqImportResult:
    """Create or update the articles for ``entries`` (see the module's rules
    for which article is an entry's). ``actor`` None is a command; otherwise
    an agent or admin (else PermissionDeniedError). All or nothing.

    Returns the counts of articles created, updated and left unchanged."""
    fields = ("pk", "title", "body", "slug", "import_key", "status", "visibility")
    keys = {question_key(entry.question) for entry in entries}
    slugs = {entry.slug for entry in entries if entry.slug}
    by_slug = {
        article.slug: article
        for article in Article.objects.filter(slug__in=list(slugs)).only(*fields)
        if _importable(article)
    }
    by_key: dict[str, list[Article]] = {}
    for article in (
        Article.objects.filter(import_key__in=list(keys))
        .only(*fields)
        .order_by("created_at", "pk")
    ):
        by_key.setdefault(article.import_key, []).append(article)
    by_title: dict[str, list[Article]] = {}
    for article in (
        Article.objects.filter(
            import_key="",
            status=Article.Status.PUBLISHED,
            visibility=Article.Visibility.PUBLIC,
        )
        .only(*fields)
        .order_by("created_at", "pk")
    ):
        by_title.setdefault(question_key(article.title), []).append(article)
    categories = {
        " ".join(category.name.casefold().split()): category
        for category in ArticleCategory.objects.all()
    }
    claimed: set[str] = set()

    def unclaimed(candidates: list[Article]) -> Article | None:
        return next((a for a in candidates if str(a.pk) not in claimed), None)

    created = updated = unchanged = 0
    for entry in entries:
        key = question_key(entry.question)
        existing = unclaimed([by_slug[entry.slug]] if entry.slug in by_slug else [])
        existing = (
            existing
            or unclaimed(by_key.get(key, []))
            or unclaimed(by_title.get(key, []))
        )
        if existing is not None:
            claimed.add(str(existing.pk))
            if existing.body.strip() == entry.answer:
                unchanged += 1
            else:
                article_update(
                    article=Article.objects.get(pk=existing.pk),
                    actor=actor,
                    body=entry.answer,
                )
                updated += 1
            continue
        category = None
        if entry.category:
            name = " ".join(entry.category.casefold().split())
            category = categories.get(name)
            if category is None:
                category = category_create(
                    name=entry.category, actor=actor, position=len(categories)
                )
                categories[name] = category
        article = article_create(
            title=entry.question,
            body=entry.answer,
            category=category,
            status=Article.Status.PUBLISHED,
            visibility=Article.Visibility.PUBLIC,
            actor=actor,
            # At the entry's address when that is free; else one from the title.
            slug=entry.slug if _slug_free(entry.slug) else "",
            import_key=key,
        )
        claimed.add(str(article.pk))
        created += 1
    return FaqImportResult(created=created, updated=updated, unchanged=unchanged)


def _slug_free(slug: str) -> bool:
    return bool(slug) and not Article.objects.filter(slug=slugify(slug)).exists()


# --- Exporting ---------------------------------------------------------------


def faq_export_entries() -> list[FaqEntry]:
    """The published public articles as entries with their slugs, by
    category position then title (what a FAQ file holds; other audiences'
    articles never leave)."""
    articles = (
        Article.objects.filter(
            status=Article.Status.PUBLISHED, visibility=Article.Visibility.PUBLIC
        )
        .select_related("category")
        .order_by("category__position", "category__name", "title")
    )
    return [
        FaqEntry(
            question=article.title,
            answer=article.body,
            category=article.category.name if article.category else "",
            slug=article.slug,
        )
        for article in articles
    ]


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def faq_dump(entries: list[FaqEntry], *, fmt: str) -> str:
    """``entries`` as a JSON or CSV document (text)."""
    if fmt == "json":
        rows = [
            {
                "question": e.question,
                "answer": e.answer,
                "category": e.category,
                "slug": e.slug,
            }
            for e in entries
        ]
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for e in entries:
            writer.writerow(
                [_cell(e.question), _cell(e.answer), _cell(e.category), _cell(e.slug)]
            )
        return out.getvalue()
    raise FaqError(f"Unknown format {fmt!r}: use json or csv.")
