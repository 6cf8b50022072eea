from django.db import migrations


def seed(apps, schema_editor):
    """Add the SLA warning and breach templates and rules (the rest exists)."""
    from notifications.seed import seed_defaults

    seed_defaults(
        apps.get_model("notifications", "EmailTemplate"),
        apps.get_model("notifications", "AutomationRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_sla_events")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
