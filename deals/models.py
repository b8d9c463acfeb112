"""Deals and the people on both sides of them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mapapp.models import TenantModel, TenantQuerySet


class Stage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    DISCOVERY = "discovery", _("Discovery")
    EVALUATION = "evaluation", _("Evaluation")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    CLOSING = "closing", _("Closing")


class Outcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class DealQuerySet(TenantQuerySet):
    def visible_to(self, membership):
        """The deals a member may see: all of the org for admins and managers, else own and shared."""
        qs = self.for_org(membership.organization_id)
        if membership.sees_all_deals:
            return qs
        # A subquery rather than a join + distinct(): lists annotate and paginate on top of this.
        shared = DealShare.objects.filter(
            organization_id=membership.organization_id, user_id=membership.user_id
        ).values("deal_id")
        return qs.filter(Q(owner_id=membership.user_id) | Q(pk__in=shared))


class Deal(TenantModel):
    name = models.CharField(_("deal name"), max_length=200)
    buyer_company = models.CharField(_("buyer company"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.DISCOVERY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_deals", verbose_name=_("owner")
    )
    target_close_date = models.DateField(_("target close date"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    # Buyer e-mail domains ("meridianfreight.com") whose people may get their own room link
    # by self-service, without waiting for approval.
    buyer_email_domains = models.JSONField(_("buyer e-mail domains"), default=list, blank=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["organization", "outcome", "stage"]),
            models.Index(fields=["organization", "owner"]),
            models.Index(fields=["organization", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.name


class DealShare(TenantModel):
    """A colleague the owner shares a deal with; they see and edit it like the owner."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deal_shares")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "user"], name="dealshare_unique")]


class Side(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")


class DecisionRole(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    TECHNICAL_EVALUATOR = "technical_evaluator", _("Technical evaluator")
    SECURITY = "security", _("Security lead")
    LEGAL = "legal", _("Legal")
    PROCUREMENT = "procurement", _("Procurement")
    USER = "user", _("User")
    ACCOUNT_EXECUTIVE = "account_executive", _("Account executive")
    SALES_ENGINEER = "sales_engineer", _("Sales engineer")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
    OTHER = "other", _("Other")


class Stakeholder(TenantModel):
    """A named person on either side of a deal. Task owners are stakeholders, never "the team"."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stakeholders")
    side = models.CharField(_("side"), max_length=8, choices=Side.choices, default=Side.BUYER)
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    decision_role = models.CharField(_("decision role"), max_length=24, choices=DecisionRole.choices, blank=True)
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stakeholder_roles"
    )
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organization", "deal"])]

    def __str__(self) -> str:
        return self.name
