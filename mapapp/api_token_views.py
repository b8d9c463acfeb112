"""The API tokens page: a member's own tokens in the current organization, made (shown once)
and revoked here. Another person's token, or another organization's, answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import api_tokens
from .forms import ApiTokenForm
from .models import ApiToken
from .tenancy import membership_or_404


def get_token_for_member(request: HttpRequest, apitoken_id) -> ApiToken:
    """The member's own token in the current organization, or 404 (also for someone else's)."""
    membership = membership_or_404(request)
    token = api_tokens.tokens_of(membership).filter(public_id=apitoken_id).first()
    if token is None:
        raise Http404
    return token


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    membership = membership_or_404(request)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, new_token = api_tokens.api_token_create(membership=membership, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    context = {"form": form, "new_token": new_token, "tokens": api_tokens.tokens_of(membership)}
    response = render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)
    # The page may hold a token shown once: no cache keeps it.
    add_never_cache_headers(response)
    return response


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, apitoken_id) -> HttpResponse:
    token = get_token_for_member(request, apitoken_id)
    api_tokens.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("api-tokens")
