from django.db import migrations, models

from tickets.search import (
    message_search_text,
    search_text_reindex,
    ticket_search_text,
)


def fold_existing(apps, schema_editor):
    """Store the folded subject of every ticket and body of every message,
    in batches of primary keys (no raw SQL). The folding is today's, with
    today's SEARCH_IGNORE_ACCENTS; ``manage.py search_reindex`` redoes it."""
    search_text_reindex(
        apps.get_model("tickets", "Ticket"),
        source="subject",
        fold=ticket_search_text,
        guarded=False,
    )
    search_text_reindex(
        apps.get_model("tickets", "Message"),
        source="body",
        fold=message_search_text,
        guarded=False,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0008_i11_sla"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False, help_text="The body folded for search."
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False, help_text="The subject folded for search."
            ),
        ),
        migrations.RunPython(fold_existing, migrations.RunPython.noop),
    ]
