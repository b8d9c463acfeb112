"""Sign-up, sign-in, members and invitations. No app_name: these names are project-wide."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import api_token_views, views
from .forms import EmailAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("members/", views.members, name="members"),
    path("members/role/", views.member_role, name="member-role"),
    path("members/remove/", views.member_remove, name="member-remove"),
    path("members/invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    # Tokens are token_urlsafe: letters, digits, "-" and "_" only.
    path("invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("org/switch/", views.org_switch, name="org-switch"),
    # Personal API tokens (mapapp.api_tokens): made and revoked by their own member.
    path("settings/api-tokens/", api_token_views.api_token_list, name="api-tokens"),
    path("settings/api-tokens/<uuid:apitoken_id>/revoke/", api_token_views.api_token_revoke, name="api-token-revoke"),
]
