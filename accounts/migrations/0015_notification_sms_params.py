# Binding codes for SMS providers' templates (Aliyun, Tencent Cloud): the values the template is filled with.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0014_individual_users'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='sms_params',
            field=models.JSONField(blank=True, default=dict, help_text="What an SMS provider's approved template is filled with, e.g. the binding code.", verbose_name='SMS template values'),
        ),
    ]
