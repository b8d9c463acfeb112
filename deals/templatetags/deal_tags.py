from django import template

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
