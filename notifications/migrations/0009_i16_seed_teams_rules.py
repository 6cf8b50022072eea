from django.db import migrations


def seed(apps, schema_editor):
    """Add the Teams card rules and the admins' integration_disabled email.

    A migration of its own: on PostgreSQL, rows inserted in the migration that
    adds the rule's connector column would leave trigger events pending when
    that column's index is created at its end.
    """
    from notifications.seed import seed_defaults

    seed_defaults(
        apps.get_model("notifications", "EmailTemplate"),
        apps.get_model("notifications", "AutomationRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_i16_teams_webhooks")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
