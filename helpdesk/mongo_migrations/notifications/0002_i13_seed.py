from django.db import migrations


def seed(apps, schema_editor):
    """The default templates and rules (the SQL set's data migrations 0002,
    0004 and 0006 in one: makemigrations does not carry data migrations into
    this set)."""
    from notifications.seed import seed_defaults

    seed_defaults(
        apps.get_model("notifications", "EmailTemplate"),
        apps.get_model("notifications", "AutomationRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
