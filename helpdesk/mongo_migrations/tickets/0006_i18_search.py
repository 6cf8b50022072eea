"""Issue 18: the search index.

MongoDB uses the portable backend (``tickets.search.backends.portable``):
its term index, filled here for the rows already there.
"""

import django.db.models.deletion
import django_mongodb_backend.fields
from django.db import migrations, models


def fill_index(apps, schema_editor):
    from tickets.search.backends import install_native

    install_native(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_i18_lists")]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    django_mongodb_backend.fields.ObjectIdAutoField(
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
        migrations.RunPython(fill_index, migrations.RunPython.noop),
    ]
