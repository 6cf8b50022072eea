"""Issue 18: the workspace lists and counts.

Kept view counts (``TicketCount``, filled from the tickets already there) and
the indexes the lists seek along: one status (and assignee, team, department)
at a time, in each list order, with the ticket number as tie-breaker.
"""

import django.db.models.deletion
import django_mongodb_backend.fields
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count

COUNTED = ("department_id", "team_id", "assignee_id", "status")


def fill_counts(apps, schema_editor):
    """Count the tickets already there, as ``manage.py ticket_counts
    --rebuild`` does."""
    Ticket = apps.get_model("tickets", "Ticket")
    TicketCount = apps.get_model("tickets", "TicketCount")
    rows = Ticket.objects.order_by().values(*COUNTED).annotate(n=Count("pk"))
    TicketCount.objects.bulk_create(
        TicketCount(
            key="|".join("" if row[f] is None else str(row[f]) for f in COUNTED),
            department_id=row["department_id"],
            team_id=row["team_id"],
            assignee_id=row["assignee_id"],
            status=row["status"],
            count=row["n"],
        )
        for row in rows
    )


def empty_counts(apps, schema_editor):
    apps.get_model("tickets", "TicketCount").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_i15_metrics_backfill"),
        ("organizations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketCount',
            fields=[
                ('id', django_mongodb_backend.fields.ObjectIdAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=255, unique=True)),
                ('status', models.CharField(max_length=16)),
                ('count', models.IntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='tickets_tic_status_130c04_idx',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='tickets_tic_request_c97de5_idx',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='tickets_tic_assigne_294cb9_idx',
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-updated_at', '-number'], name='ticket_status_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-created_at', '-number'], name='ticket_status_created_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-number'], name='ticket_status_number_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['assignee', 'status', '-updated_at', '-number'], name='ticket_assignee_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['team', 'status', '-updated_at', '-number'], name='ticket_team_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['department', 'status', '-updated_at', '-number'], name='ticket_department_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['requester', '-updated_at', '-number'], name='ticket_requester_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['organization', '-updated_at', '-number'], name='ticket_org_updated_idx'),
        ),
        migrations.AddField(
            model_name='ticketcount',
            name='assignee',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='ticketcount',
            name='department',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organizations.department'),
        ),
        migrations.AddField(
            model_name='ticketcount',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organizations.team'),
        ),
        migrations.RunPython(fill_counts, empty_counts),
    ]
