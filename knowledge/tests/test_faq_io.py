"""FAQ files: import (idempotent, all or nothing) and export (JSON and CSV)."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from knowledge.models import Article, ArticleCategory
from knowledge.services.faq_io import FaqError, faq_dump, faq_import, faq_parse

from .help_center_data import Visibility, article, category

pytestmark = pytest.mark.django_db

FAQ = [
    {
        "question": "How do I reset my password?",
        "answer": "Use *Forgot password*.",
        "category": "Accounts",
    },
    {
        "question": "Can I pay by card?",
        "answer": "Yes, every major card.",
        "category": "Billing",
    },
    {
        "question": "Where is my invoice?",
        "answer": "Under Billing > Invoices.",
        "category": "billing",
    },
    {"question": "Do you have an API?", "answer": "Yes: /api/v1/."},
]


def _run(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    call_command("import_faq", str(path), stdout=out)
    return out.getvalue()


def _csv(rows, header=("question", "answer", "category")):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return out.getvalue()


def test_json_import_creates_published_public_articles_and_categories(tmp_path):
    out = _run(tmp_path, "faq.json", json.dumps(FAQ))
    assert "4 created, 0 updated, 0 unchanged" in out
    assert Article.objects.count() == 4
    assert set(Article.objects.values_list("status", "visibility")) == {
        ("published", "public")
    }
    assert sorted(ArticleCategory.objects.values_list("name", flat=True)) == [
        "Accounts",
        "Billing",  # "billing" found the same category
    ]
    reset = Article.objects.get(title="How do I reset my password?")
    assert "<em>Forgot password</em>" in reset.body_html
    assert reset.category.name == "Accounts"
    assert Article.objects.get(title="Do you have an API?").category is None


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    _run(tmp_path, "faq.json", json.dumps(FAQ))
    before = list(Article.objects.values_list("pk", "updated_at", "body"))
    out = _run(tmp_path, "faq.json", json.dumps(FAQ))
    assert "0 created, 0 updated, 4 unchanged" in out
    assert list(Article.objects.values_list("pk", "updated_at", "body")) == before


def test_reimport_with_a_changed_answer_updates_only_that_article(tmp_path):
    _run(tmp_path, "faq.json", json.dumps(FAQ))
    changed = [dict(row) for row in FAQ]
    changed[1]["answer"] = "Yes, and by bank transfer."
    changed[1]["question"] = "  can I PAY by card? "  # same question, spelled apart
    out = _run(tmp_path, "faq.json", json.dumps(changed))
    assert "0 created, 1 updated, 3 unchanged" in out
    card = Article.objects.get(title="Can I pay by card?")
    assert card.body == "Yes, and by bank transfer."
    assert "bank transfer" in card.body_html


def test_csv_import_and_reimport(tmp_path):
    out = _run(tmp_path, "faq.csv", _csv(FAQ))
    assert "4 created" in out
    out = _run(tmp_path, "faq.csv", _csv(FAQ))
    assert "0 created, 0 updated, 4 unchanged" in out


def test_csv_without_category_column(tmp_path):
    out = _run(tmp_path, "faq.csv", _csv(FAQ[:2], header=("question", "answer")))
    assert "2 created" in out
    assert not ArticleCategory.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("faq.json", '[{"question": "a", "answer": "b"},', "Not valid JSON"),
        ("faq.json", '{"question": "a"}', "must be a list"),
        ("faq.json", '[{"question": "a", "answer": ""}]', "Entry 1: the answer"),
        ("faq.json", '[{"question": "a", "answer": "b"}, 3]', "Entry 2"),
        ("faq.json", '[{"question": 5, "answer": "b"}]', "question must be text"),
        ("faq.csv", "title,body\nx,y\n", "missing: question, answer"),
        ("faq.csv", 'question,answer\n"unterminated,x\n', "Not valid CSV"),
        ("faq.csv", "question,answer\na,b\n,c\n", "Entry 2: the question is empty"),
        ("faq.csv", "question,answer\nA?,b\na? ,c\n", "same question as entry 1"),
        ("faq.txt", "whatever", ".json or .csv"),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_nothing_imported(
    tmp_path, name, content, reason
):
    with pytest.raises(CommandError, match=reason):
        _run(tmp_path, name, content)
    assert not Article.objects.exists()
    assert not ArticleCategory.objects.exists()


def test_a_bad_row_late_in_the_file_leaves_nothing_half_imported(tmp_path):
    rows = [*FAQ, {"question": "x" * 300, "answer": "too long a question"}]
    with pytest.raises(CommandError, match="Entry 5"):
        _run(tmp_path, "faq.json", json.dumps(rows))
    assert not Article.objects.exists()


def test_a_failing_write_rolls_everything_back(monkeypatch):
    from knowledge.services import faq_io

    real = faq_io.article_create
    calls = []

    def fail_on_third(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise FaqError("disk on fire")
        return real(**kwargs)

    monkeypatch.setattr(faq_io, "article_create", fail_on_third)
    with pytest.raises(FaqError):
        faq_import(entries=faq_parse(json.dumps(FAQ), fmt="json"), actor=None)
    assert not Article.objects.exists()
    assert not ArticleCategory.objects.exists()


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_faq", str(tmp_path / "nope.json"))


def test_export_writes_published_public_articles_and_reimports_to_nothing(
    tmp_path,
):
    billing = category("Billing")
    article("Can I pay by card?", body="Yes.", category=billing)
    article("Secret", visibility=Visibility.AGENTS)
    article("Draft", status=Article.Status.DRAFT)
    for name in ("out.json", "out.csv"):
        path = tmp_path / name
        out = io.StringIO()
        call_command("export_faq", str(path), stdout=out)
        assert "Exported 1 articles" in out.getvalue()
        text = path.read_text(encoding="utf-8")
        assert "Secret" not in text and "Draft" not in text
        again = io.StringIO()
        call_command("import_faq", str(path), stdout=again)
        assert "0 created, 0 updated, 1 unchanged" in again.getvalue()
    rows = json.loads((tmp_path / "out.json").read_text())
    assert rows == [
        {
            "question": "Can I pay by card?",
            "answer": "Yes.",
            "category": "Billing",
            "slug": Article.objects.get(title="Can I pay by card?").slug,
        }
    ]


def test_csv_export_neutralises_formulas_and_import_reads_them_back(tmp_path):
    entries = faq_parse(
        json.dumps(
            [
                {"question": "=HYPERLINK(1)?", "answer": "+1 555", "category": "@x"},
                {"question": "-5 degrees?", "answer": "\tTabbed"},
            ]
        ),
        fmt="json",
    )
    text = faq_dump(entries, fmt="csv")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row][3:]
    assert all(not cell or cell[0] not in "=+-@\t\r" for cell in cells)
    assert "'=HYPERLINK(1)?" in cells
    back = faq_parse(text, fmt="csv")
    assert back[0].question == "=HYPERLINK(1)?"
    assert back[0].answer == "+1 555"
    assert back[1].question == "-5 degrees?"


def test_export_unknown_extension(tmp_path):
    with pytest.raises(CommandError, match=r"\.json or \.csv"):
        call_command("export_faq", str(tmp_path / "out.xlsx"))


def test_a_slug_finds_its_article_and_a_new_entry_keeps_its_slug():
    faq_import(
        entries=faq_parse(
            json.dumps([{"question": "Old title?", "answer": "A.", "slug": "moved"}]),
            fmt="json",
        ),
        actor=None,
    )
    assert Article.objects.get().slug == "moved"
    result = faq_import(
        entries=faq_parse(
            json.dumps([{"question": "New title?", "answer": "B.", "slug": "moved"}]),
            fmt="json",
        ),
        actor=None,
    )
    assert str(result) == "0 created, 1 updated, 0 unchanged"
    moved = Article.objects.get()
    assert (moved.title, moved.body) == ("Old title?", "B.")  # body only


def test_a_slug_of_an_agents_only_article_never_reaches_it():
    runbook = article("Runbook", body="Internal.", visibility=Visibility.AGENTS)
    faq_import(
        entries=faq_parse(
            json.dumps([{"question": "Q?", "answer": "Public.", "slug": runbook.slug}]),
            fmt="json",
        ),
        actor=None,
    )
    runbook.refresh_from_db()
    assert runbook.body == "Internal."
    made = Article.objects.exclude(pk=runbook.pk).get()
    assert (made.body, made.visibility) == ("Public.", "public")
    assert made.slug != runbook.slug


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (
            [
                {"question": "Q", "answer": "a", "slug": "x"},
                {"question": "Q", "answer": "b"},
            ],
            "same question as entry 1",
        ),
        (
            [
                {"question": "Q", "answer": "a", "slug": "x"},
                {"question": "R", "answer": "b", "slug": "X"},
            ],
            "same slug as entry 1",
        ),
        ([{"question": "Q", "answer": "a", "slug": "not a slug"}], "Entry 1: the slug"),
        ([{"question": "Q", "answer": "a\x00"}], "Entry 1: the answer holds a NUL"),
    ],
)
def test_ambiguous_or_unstorable_entries_are_refused(rows, reason):
    with pytest.raises(FaqError, match=reason):
        faq_parse(json.dumps(rows), fmt="json")


def test_a_nul_in_a_csv_names_the_entry():
    with pytest.raises(FaqError, match="Entry 2: the question holds a NUL"):
        faq_parse("question,answer\nA,b\nC\x00,d\n", fmt="csv")
