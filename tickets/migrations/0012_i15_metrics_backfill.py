from django.db import migrations


def backfill(apps, schema_editor):
    """Give existing tickets the report figures the services now keep
    (first reply and resolution times, public replies, reopens), computed
    from their stored history; ``manage.py report_metrics_backfill`` reruns it."""
    from tickets.services.metrics import metrics_backfill

    metrics_backfill(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0011_i15_reports_csat'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
