import hashlib

from django.db import migrations, models

import notifications.models

# sha256 of "subject\0body_text\0body_html" of each default template as
# migrations 0002 and 0004 seeded it. A row that still hashes to this was
# never edited by an admin and takes the new wording; an edited row is left
# alone.
OLD_DEFAULTS = {
    "ticket_created": "71341417e0b27a96002e80733154b27ce40ae5671930f5ac1164e8134e89bd98",
    "ticket_created_staff": "489f99d61560b101ae1dd72e84f9cbc4f16b132b2ef90f6337f73b23c800106f",
    "agent_reply": "3a687a7be454d7e379ec62cf3c5fcbc71776520a6f59fdd601e4354fc93b0ed4",
    "customer_reply": "fa4ca6fe5d281fd741eb00af958c8cddd9937f3f3c5f337a14c75fe396b1373c",
    "ticket_assigned": "abd9d7515cad47f11d12fe254e27873e556b9fcd676bb94ebf4ae2254b6cb043",
    "ticket_solved": "6e8f31dff833f0889437579e8d924eb10a38bc604dd82a0ad81c6fc6216bb4ee",
    "ticket_closed": "757c3c8a6324bd5f78828e768accf47b2f17322e2d38b64b359080f689cb51de",
    "sla_warning": "855847e748ccab129ef990b4434f4a91447ada16bd1a32ae2eb16e115634ecce",
    "sla_breach": "4d0635e2a3f4bf6bb1dce74f7893f43ffb424ced5c00ec6940b0b4c4986e922c",
    "inbound_refused": "dcaccdddf2f1a5edd1daef64ef8dad4e2cd877fd6064574f5e597f4caac19912",
}


def content_hash(subject, body_text, body_html):
    """Line endings do not count: saving a template unchanged from a browser
    turns its newlines into CRLF."""
    text = "\0".join([subject, body_text, body_html]).replace("\r\n", "\n")
    return hashlib.sha256(text.encode()).hexdigest()


def reword_unedited_defaults(apps, schema_editor):
    """New wording for the English default templates nobody edited."""
    from notifications.defaults import TEMPLATES

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    new = {template["key"]: template for template in TEMPLATES}
    for row in EmailTemplate.objects.filter(language="en", key__in=list(OLD_DEFAULTS)):
        if content_hash(row.subject, row.body_text, row.body_html) != OLD_DEFAULTS[
            row.key
        ]:
            continue
        template = new[row.key]
        row.subject = template["subject"]
        row.body_text = template["body_text"]
        row.body_html = template["body_html"]
        row.description = template["description"]
        row.save(update_fields=["subject", "body_text", "body_html", "description"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_seed_sla_templates")]

    operations = [
        migrations.AddField(
            model_name="automationrule",
            name="disabled_reason",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Why the helpdesk turned this rule off, if it did.",
                max_length=255,
            ),
        ),
        migrations.AlterField(
            model_name="automationrule",
            name="template_key",
            field=models.SlugField(
                help_text="The email template to send (by key).",
                max_length=64,
                validators=[notifications.models.validate_template_key],
                verbose_name="email template",
            ),
        ),
        migrations.RunPython(reword_unedited_defaults, migrations.RunPython.noop),
    ]
