"""Issue 18: the search index (issue 18); a placeholder until that work lands."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_i18_lists")]

    operations = []
