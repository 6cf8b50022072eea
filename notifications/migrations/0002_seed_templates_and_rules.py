from django.db import migrations


def seed(apps, schema_editor):
    """Good default templates and the standard notification rules."""
    from notifications.seed import seed_defaults

    seed_defaults(
        apps.get_model("notifications", "EmailTemplate"),
        apps.get_model("notifications", "AutomationRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
