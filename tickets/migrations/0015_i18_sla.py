"""Issue 18: the SLA sweep (issue 18); a placeholder until that work lands."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_i18_search")]

    operations = []
