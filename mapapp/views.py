"""Account pages: sign-up, members and invitations, organization switch."""

from django.shortcuts import redirect


def home(request):
    if request.user.is_authenticated:
        return redirect("deals:list")
    return redirect("login")
