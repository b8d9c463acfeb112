"""Account pages: sign-up, members and invitations, organization switch."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deals import services as deal_services
from plans.activity import Actor

from . import services
from .forms import (
    InvitationAcceptForm,
    InviteForm,
    MemberRemoveForm,
    MemberRoleForm,
    OrganizationSwitchForm,
    SignupForm,
)
from .models import Invitation, Membership, User
from .tenancy import SESSION_KEY

INVALID_INVITATION_CODES = {"invalid", "used", "revoked", "expired"}


def _admin_membership(request: HttpRequest) -> Membership:
    """The current member if they are an admin of the current organization, else Http404."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_admin:
        raise Http404
    return membership


def _member_by_email(request: HttpRequest, email: str) -> Membership:
    """A membership of the current organization by the member's e-mail; Http404 for anyone else."""
    membership = (
        Membership.objects.filter(organization=request.organization, user__email__iexact=email.strip())
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def _sign_in(request: HttpRequest, membership: Membership) -> None:
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = membership.organization_id


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("deals:list")
    return redirect("login")


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.organization_signup(
                organization_name=form.cleaned_data["organization_name"],
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                time_zone=form.cleaned_data["timezone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _sign_in(request, membership)
            messages.success(request, _("Welcome to mapapp. Your organization is ready."))
            return redirect("deals:list")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def members(request: HttpRequest) -> HttpResponse:
    membership = _admin_membership(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _url = services.member_invite(
                organization=request.organization, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("members")
    memberships = list(
        Membership.objects.filter(organization=request.organization).select_related("user")
        .order_by("user__name", "user__email")
    )
    owned = deal_services.deals_owned(request.organization)
    for m in memberships:
        m.deal_count = owned.get(m.user_id, 0)
    context = {
        "form": form,
        "memberships": memberships,
        "invitations": Invitation.objects.filter(
            organization=request.organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at"),
        "role_choices": MemberRoleForm.base_fields["role"].choices,
        "me": membership,
    }
    return render(request, "accounts/members.html", context)


@require_POST
@login_required
def member_role(request: HttpRequest) -> HttpResponse:
    _admin_membership(request)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        raise Http404
    membership = _member_by_email(request, form.cleaned_data["email"])
    try:
        services.member_change_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.") % {"name": membership.user, "role": membership.get_role_display()},
        )
        if membership.user_id == request.user.pk and not membership.is_admin:
            return redirect("home")
    return redirect("members")


@require_POST
@login_required
def member_remove(request: HttpRequest) -> HttpResponse:
    _admin_membership(request)
    form = MemberRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    membership = _member_by_email(request, form.cleaned_data["email"])
    successor = form.cleaned_data["hand_over_to"]
    try:
        handed = deal_services.member_leave(
            membership=membership, actor=Actor(user=request.user),
            hand_over_to=_member_by_email(request, successor) if successor else None,
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("members")
    messages.success(request, _("%(name)s was removed from the organization.") % {"name": membership.user})
    if handed:
        messages.info(request, ngettext(
            "%(count)d deal now belongs to %(name)s.", "%(count)d deals now belong to %(name)s.", handed,
        ) % {"count": handed, "name": successor})
    if membership.user_id == request.user.pk:
        request.session.pop(SESSION_KEY, None)
        return redirect("home")
    return redirect("members")


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, invitation_id) -> HttpResponse:
    _admin_membership(request)
    invitation = Invitation.objects.filter(organization=request.organization, public_id=invitation_id).first()
    if invitation is None:
        raise Http404
    try:
        services.invitation_revoke(invitation=invitation)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("members")


def _invitation_invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return render(request, "accounts/invitation_invalid.html", {"reason": _message(error)}, status=404)


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get_usable(token=token)
    except ValidationError as error:
        return _invitation_invalid(request, error)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    signed_in_as_invitee = existing is not None and request.user.is_authenticated and request.user.pk == existing.pk
    form = None if existing else InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (signed_in_as_invitee or (form is not None and form.is_valid())):
        fields = {"user": request.user} if signed_in_as_invitee else {
            "name": form.cleaned_data["name"], "password": form.cleaned_data["password"],
            "time_zone": form.cleaned_data["timezone"],
        }
        try:
            membership = services.invitation_accept(token=token, **fields)
        except ValidationError as error:
            if getattr(error, "code", None) in INVALID_INVITATION_CODES:
                return _invitation_invalid(request, error)
            if form is None:
                raise
            form.add_error(None, error)
        else:
            _sign_in(request, membership)
            messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
            return redirect("deals:list")
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "form": form,
        "has_account": existing is not None,
        "signed_in_as_invitee": signed_in_as_invitee,
    }
    return render(request, "accounts/invitation_accept.html", context)


@login_required
def org_switch(request: HttpRequest) -> HttpResponse:
    """GET lists the user's organizations; POST makes one of them current."""
    if request.method == "POST":
        form = OrganizationSwitchForm(request.POST)
        if not form.is_valid():
            raise Http404
        membership = (
            Membership.objects.filter(user=request.user, organization__public_id=form.cleaned_data["organization"])
            .select_related("organization")
            .first()
        )
        if membership is None:
            raise Http404
        request.session[SESSION_KEY] = membership.organization_id
        messages.success(request, _("You are now working in %(org)s.") % {"org": membership.organization.name})
        return redirect("deals:list")
    memberships = Membership.objects.filter(user=request.user).select_related("organization").order_by(
        "organization__name"
    )
    return render(request, "accounts/organizations.html", {"memberships": memberships})
