"""Forms for sign-up, sign-in, members and invitations. They check shape; services check rules."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Role, User
from .timezones import timezone_choices


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, with the username field presented as what it is: the e-mail."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class _PasswordPairMixin:
    """Password + confirmation, checked against the configured validators."""

    def _clean_password_pair(self, user: User) -> None:
        password, confirm = self.cleaned_data.get("password"), self.cleaned_data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords do not match."))
            return
        if password:
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)


def _password_fields():
    return (
        forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validation.password_validators_help_text_html,
        ),
        forms.CharField(
            label=_("Confirm password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
        ),
    )


def _timezone_field():
    """The person's time zone; app.js preselects the browser's own (UTC without JavaScript)."""
    return forms.ChoiceField(
        label=_("Your time zone"), choices=timezone_choices, initial="UTC", required=False,
        help_text=_("Decides what is overdue and “today” for you. Due dates never shift."),
        widget=forms.Select(attrs={"data-browser-timezone": ""}),
    )


class SignupForm(_PasswordPairMixin, forms.Form):
    organization_name = forms.CharField(
        label=_("Organization name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password, password_confirm = _password_fields()
    timezone = _timezone_field()

    def clean(self):
        cleaned = super().clean()
        self._clean_password_pair(User(email=cleaned.get("email", ""), name=cleaned.get("name", "")))
        return cleaned


class InvitationAcceptForm(_PasswordPairMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password, password_confirm = _password_fields()
    timezone = _timezone_field()

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        self._clean_password_pair(User(email=self.email, name=cleaned.get("name", "")))
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.SELLER)


class MemberRoleForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberRemoveForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    # The member who takes over the deals of the one leaving (by e-mail), when they own any.
    hand_over_to = forms.EmailField(required=False)


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField(widget=forms.HiddenInput)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What uses it, e.g. “CRM sync” — so you know which one to revoke."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
