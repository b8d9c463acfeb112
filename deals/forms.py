"""Forms for deals and stakeholders. They parse and validate; deals.services writes."""

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from mapapp.dates import DateField
from mapapp.models import User
from mapapp.timezones import timezone_choices

from .models import DecisionRole, Outcome, Side, Stage

# ISO 4217 active codes (2024 list, without funds and precious-metal codes).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
    VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "IDR", "CHF", "AUD", "CAD", "SGD", "INR")
AMOUNT_LIMIT = Decimal("1000000000000")  # 10^12: larger is a typo, not a deal
PHONE_RE = re.compile(r"^[0-9+()\-./ ]*(?:(?:ext\.?|x) ?[0-9]+)?$", re.IGNORECASE)


def members_of(organization):
    """The users who are members of the organization, for owner and share pickers."""
    return User.objects.filter(memberships__organization=organization).order_by("name", "email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.email


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.email


class DealForm(forms.Form):
    """Create a deal. Owner and shares are limited to members of the organization."""

    name = forms.CharField(label=_("Deal name"), max_length=200)
    buyer_company = forms.CharField(label=_("Buyer company"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        validators=[
            MinValueValidator(0, message=_("The amount cannot be negative.")),
            MaxValueValidator(AMOUNT_LIMIT - Decimal("0.01"), message=_("The amount must be below 10¹².")),
        ],
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        help_text=_("Three-letter ISO 4217 code, e.g. USD, EUR, JPY."),
        widget=forms.TextInput(
            attrs={"list": "currency-codes", "autocapitalize": "characters", "size": "4", "spellcheck": "false"}
        ),
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    owner = MemberChoiceField(label=_("Owner"), queryset=User.objects.none())
    target_close_date = DateField(label=_("Target close date"), required=False)
    external_id = forms.CharField(
        label=_("CRM id"), max_length=100, required=False, help_text=_("The deal's id in your CRM, if any.")
    )
    shared_with = MembersChoiceField(
        label=_("Shared with"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Colleagues who see and edit this deal like its owner."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        members = members_of(organization)
        self.fields["owner"].queryset = members
        self.fields["shared_with"].queryset = members

    def clean_currency(self):
        code = self.cleaned_data["currency"].strip().upper()
        if code not in ISO_4217:
            raise forms.ValidationError(_("“%(code)s” is not an ISO 4217 currency code."), params={"code": code})
        return code

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_buyer_company(self):
        return self.cleaned_data["buyer_company"].strip()

    def clean_external_id(self):
        return self.cleaned_data["external_id"].strip()

    def deal_data(self) -> dict:
        """The cleaned values for deals.services, without the shares."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("shared_with", "version")}


class DomainListField(forms.CharField):
    """A list of e-mail domains typed as text: one per line, or separated by commas or spaces."""

    widget = forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocapitalize": "none",
                                   "placeholder": "meridianfreight.com"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        from plans.access_requests import clean_email_domains

        return clean_email_domains(super().to_python(value))


class DealEditForm(DealForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    buyer_email_domains = DomainListField(
        label=_("Buyer e-mail domains"), required=False, max_length=3000,
        help_text=_("People with an address at one of these domains (exactly, not subdomains) get their own room "
                    "link by e-mail when they ask for access, without waiting for approval. One per line; "
                    "no free e-mail services."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    field_order = ["name", "buyer_company", "amount", "currency", "stage", "outcome", "owner", "target_close_date",
                   "external_id", "shared_with", "buyer_email_domains"]


class DealFilterForm(forms.Form):
    """The deal list's search, filters and sort; any invalid value is simply ignored."""

    SORTS = {
        "-created": _("Newest first"),
        "created": _("Oldest first"),
        "close": _("Closing soonest"),
        "-close": _("Closing latest"),
        "-amount": _("Largest amount"),
        "amount": _("Smallest amount"),
        "name": _("Name A–Z"),
        "-name": _("Name Z–A"),
    }

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, company, CRM id"), "autocomplete": "off"}
        ),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices])
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All outcomes")), *Outcome.choices]
    )
    owner = MemberChoiceField(label=_("Owner"), required=False, queryset=User.objects.none(),
                              empty_label=_("Anyone"), to_field_name="pk")
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(organization)

    def filters(self) -> dict:
        """The valid filters as keyword arguments for deals.selectors.deal_search."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: data[k] for k in ("q", "stage", "outcome", "owner", "sort") if data.get(k)}

    @property
    def is_filtered(self) -> bool:
        return any(k in self.filters() for k in ("q", "stage", "outcome", "owner"))


# Stakeholders ----------------------------------------------------------------------

class StakeholderQuickForm(forms.Form):
    """The short add form under each side's list: full details come with edit."""

    side = forms.ChoiceField(choices=Side.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=150)
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    decision_role = forms.ChoiceField(
        label=_("Decision role"), required=False, choices=[("", "—"), *DecisionRole.choices]
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_title(self):
        return self.cleaned_data["title"].strip()


class StakeholderForm(StakeholderQuickForm):
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=300,
        required=False,
        help_text=_("Travel, holidays, days they cannot meet."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), required=False, choices=timezone_choices)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", "—"), *settings.LANGUAGES])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    field_order = ["name", "title", "side", "decision_role", "email", "phone", "availability", "timezone",
                   "language"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE_RE.match(phone):
            raise forms.ValidationError(_("Use digits, spaces and + ( ) - . / only."))
        return phone

    def clean_availability(self):
        return self.cleaned_data["availability"].strip()

    def stakeholder_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
