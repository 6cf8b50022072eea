from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0003_i16_teams_webhooks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inboundemail',
            name='source',
            field=models.CharField(choices=[('imap', 'IMAP'), ('pipe', 'MTA pipe'), ('lmtp', 'LMTP listener')], max_length=8),
        ),
    ]
