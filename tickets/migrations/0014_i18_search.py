"""Issue 18: the search index.

The portable backend's term index (``SearchTerm``), and the native full-text
index of the database's engine (``tickets.search.backends.native``: FTS5
tables and triggers on SQLite, generated vectors and GIN indexes on
PostgreSQL), built over the rows already there. On a large database the
native build takes a while (minutes for millions of messages); the portable
index is left empty and filled by ``manage.py search_reindex`` when a
database uses it.
"""

import django.db.models.deletion
from django.db import migrations, models


def install_native(apps, schema_editor):
    from tickets.search.backends import install_native

    install_native(apps, schema_editor)


def drop_native(apps, schema_editor):
    from tickets.search.backends.native import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_i18_lists")]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("term", models.CharField(max_length=64)),
                ("internal", models.BooleanField(default=False)),
                (
                    "message",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.message",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["term"], name="tickets_searchterm_term")
                ],
            },
        ),
        migrations.RunPython(install_native, drop_native),
    ]
