"""Issue 18: the workspace lists and counts (issue 18); a placeholder until that work lands."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_i15_metrics_backfill")]

    operations = []
