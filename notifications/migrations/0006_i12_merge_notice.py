from django.db import migrations, models


def seed(apps, schema_editor):
    """Add the merge notice's template and rule (the rest exists)."""
    from notifications.seed import seed_defaults

    seed_defaults(
        apps.get_model("notifications", "EmailTemplate"),
        apps.get_model("notifications", "AutomationRule"),
    )


EVENTS = [
    ("ticket_created", "Ticket created"),
    ("agent_reply", "Agent replied publicly"),
    ("customer_reply", "Customer replied"),
    ("ticket_assigned", "Ticket assigned"),
    ("ticket_solved", "Ticket solved"),
    ("ticket_closed", "Ticket closed"),
    ("ticket_merged", "Ticket merged into another"),
    ("sla_warning", "SLA target at risk"),
    ("sla_breach", "SLA target breached"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_i11_outbound")]

    operations = [
        migrations.AlterField(
            model_name="automationrule",
            name="event",
            field=models.CharField(choices=EVENTS, max_length=32),
        ),
        migrations.AlterField(
            model_name="notificationoptout",
            name="event",
            field=models.CharField(choices=EVENTS, max_length=32),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
