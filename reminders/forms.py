from django import forms

from .models import ReminderSettings


class CadenceForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ["days_before", "overdue_every_days", "overdue_stop_days", "send_hour"]
