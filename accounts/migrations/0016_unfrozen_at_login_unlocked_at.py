from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0015_notification_sms_params'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='login_unlocked_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='Failed logins before this time no longer count towards the account-wide lock.', null=True, verbose_name='login unlocked at'),
        ),
        migrations.AddField(
            model_name='user',
            name='unfrozen_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='When the main account last unfroze it: its verify-by time is then 2 days later.', null=True, verbose_name='unfrozen at'),
        ),
    ]
