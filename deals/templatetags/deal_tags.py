from django import template
from django.urls import reverse

from deals.forms import StakeholderQuickForm

register = template.Library()


@register.simple_tag(takes_context=True)
def stakeholder_add_form(context, side: str):
    """The quick-add form for one side of the stakeholders section.

    The section is included by pages that pass only the deal and its people, so it makes
    its own forms; after a failed add the view passes the bound form back as `add_form`.
    """
    bound = context.get("add_form")
    if bound is not None and getattr(bound, "for_side", None) == side:
        return bound
    form = StakeholderQuickForm(initial={"side": side}, auto_id=f"add-{side}-%s")
    form.for_side = side
    return form


_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@register.simple_tag
def stakeholder_url_base() -> str:
    """The common start of every stakeholder's URLs ("/deals/stakeholders/"), reversed once
    per render instead of three times per person."""
    url = reverse("deals:stakeholder-edit", kwargs={"stakeholder_id": _PLACEHOLDER})
    return url[: url.index(_PLACEHOLDER)]
