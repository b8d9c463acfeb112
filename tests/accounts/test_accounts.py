"""Sign-up, sign-in, members and invitations, organization switch, and the settings helpers."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone

from mapapp import services, settings as app_settings
from mapapp.models import Invitation, Membership, Organization, Role, User
from mapapp.tasks import send_member_invite
from mapapp.tenancy import SESSION_KEY

PASSWORD = "correct-horse-battery-staple"


def make_member(organization: Organization, role: str, email: str, name: str = "") -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, name=name or email.split("@")[0].title())
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def acme(db):
    return Organization.objects.create(name="Acme Software")


@pytest.fixture
def rival(db):
    return Organization.objects.create(name="Rival Inc")


@pytest.fixture
def ada(acme):
    return make_member(acme, Role.ADMIN, "ada@acme.test", "Ada Admin")


@pytest.fixture
def sam(acme):
    return make_member(acme, Role.SELLER, "sam@acme.test", "Sam Seller")


@pytest.fixture
def rita(rival):
    """An admin of another organization."""
    return make_member(rival, Role.ADMIN, "rita@rival.test", "Rita Rival")


def invite(organization, by, email="new@acme.test", role=Role.MANAGER, **kwargs):
    return services.member_invite(organization=organization, invited_by=by, email=email, role=role, **kwargs)


def token_of(url: str) -> str:
    return re.search(r"/invite/([^/]+)/", url).group(1)


# Sign-up and sign-in


def test_signup_creates_the_organization_with_an_admin_and_signs_in(client, db):
    response = client.post(
        reverse("signup"),
        {
            "organization_name": "Northwind Sales",
            "name": "Nora North",
            "email": "Nora@Northwind.test",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("deals:list")
    membership = Membership.objects.select_related("user", "organization").get()
    assert membership.organization.name == "Northwind Sales"
    assert membership.role == Role.ADMIN
    assert membership.user.email == "nora@northwind.test"
    assert membership.user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(membership.user.pk)
    assert client.session[SESSION_KEY] == membership.organization_id


def test_signup_refuses_an_email_that_already_has_an_account(client, ada):
    response = client.post(
        reverse("signup"),
        {
            "organization_name": "Second Org",
            "name": "Ada Again",
            "email": "ADA@acme.test",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "An account with this e-mail address already exists" in response.content.decode()
    assert not Organization.objects.filter(name="Second Org").exists()
    assert "_auth_user_id" not in client.session


def test_signup_service_refuses_a_duplicate_email_and_creates_nothing(ada):
    with pytest.raises(ValidationError) as caught:
        services.organization_signup(organization_name="X", email="ada@acme.test", name="A", password=PASSWORD)

    assert "email" in caught.value.message_dict
    assert Organization.objects.count() == 1


def test_signup_refuses_mismatched_passwords(client, db):
    response = client.post(
        reverse("signup"),
        {"organization_name": "O", "name": "N", "email": "n@o.test", "password": PASSWORD, "password_confirm": "other"},
    )

    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.exists()


def test_login_form_asks_for_the_email_and_signs_in_with_it(client, ada):
    page = client.get(reverse("login"))
    assert re.search(r"<label[^>]*>E-mail:?</label>", page.content.decode())

    response = client.post(reverse("login"), {"username": "Ada@Acme.test", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)


def test_home_sends_visitors_to_login_and_members_to_their_deals(client, ada):
    assert client.get(reverse("home")).url == reverse("login")
    client.force_login(ada)
    assert client.get(reverse("home")).url == reverse("deals:list")


def test_logout_is_a_post(client, ada):
    client.force_login(ada)
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


# Invitations


def test_admin_invites_and_the_mailed_link_creates_the_member_with_the_role(
    client, ada, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members"), {"email": "Max@Acme.test", "role": Role.MANAGER})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["max@acme.test"]
    assert "Acme Software" in mail.subject
    url = re.search(r"http\S+/invite/\S+/", mail.body).group(0)
    assert url in mail.alternatives[0][0]
    token = token_of(url)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())

    client.logout()
    page = client.get(reverse("invitation-accept", args=[token]))
    assert page.status_code == 200
    assert "Acme Software" in page.content.decode()

    response = client.post(
        reverse("invitation-accept", args=[token]),
        {"name": "Max Manager", "password": PASSWORD, "password_confirm": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("deals:list")
    max_ = User.objects.get(email="max@acme.test")
    assert max_.name == "Max Manager"
    assert Membership.objects.get(user=max_).role == Role.MANAGER
    assert client.session["_auth_user_id"] == str(max_.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_an_invitation_works_only_once(client, ada):
    _invitation, url = invite(ada.memberships.get().organization, ada)
    services.invitation_accept(token=token_of(url), name="New", password=PASSWORD)

    response = client.get(reverse("invitation-accept", args=[token_of(url)]))

    assert response.status_code == 404
    assert "already been used" in response.content.decode()


def test_expired_invitation_is_refused_with_a_clear_page(client, acme, ada):
    invitation, url = invite(acme, ada)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = client.get(reverse("invitation-accept", args=[token_of(url)]))
    posted = client.post(
        reverse("invitation-accept", args=[token_of(url)]),
        {"name": "Late", "password": PASSWORD, "password_confirm": PASSWORD},
    )

    assert page.status_code == 404
    text = page.content.decode()
    assert "invalid or has expired" in text
    assert "Ask the admin" in text
    assert posted.status_code == 404
    assert not User.objects.filter(email="new@acme.test").exists()
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token_of(url), name="Late", password=PASSWORD)
    assert caught.value.code == "expired"


def test_unknown_token_answers_404(client, db):
    response = client.get(reverse("invitation-accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "invalid or has expired" in response.content.decode()


def test_revoked_invitation_is_refused(client, acme, ada):
    invitation, url = invite(acme, ada)
    services.invitation_revoke(invitation=invitation)

    response = client.get(reverse("invitation-accept", args=[token_of(url)]))

    assert response.status_code == 404
    assert "withdrawn" in response.content.decode()


def test_a_new_invitation_replaces_the_pending_one(acme, ada):
    first, first_url = invite(acme, ada)
    invite(acme, ada)

    first.refresh_from_db()
    assert first.revoked_at is not None
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token_of(first_url), name="X", password=PASSWORD)


def test_inviting_an_existing_member_is_refused(client, ada, sam):
    client.force_login(ada)
    response = client.post(reverse("members"), {"email": "SAM@acme.test", "role": Role.SELLER})

    assert response.status_code == 200
    assert "already a member of this organization" in response.content.decode()
    assert not Invitation.objects.exists()


def test_existing_account_joins_only_when_signed_in_as_that_account(client, acme, ada, rita):
    _invitation, url = invite(acme, ada, email="rita@rival.test", role=Role.SELLER)
    token = token_of(url)

    anonymous = client.post(reverse("invitation-accept", args=[token]))
    assert anonymous.status_code == 200
    assert "Log in with it to accept" in anonymous.content.decode()
    assert not Membership.objects.filter(organization=acme, user=rita).exists()

    client.force_login(rita)
    assert "Join Acme Software" in client.get(reverse("invitation-accept", args=[token])).content.decode()
    response = client.post(reverse("invitation-accept", args=[token]))

    assert response.status_code == 302
    assert Membership.objects.get(organization=acme, user=rita).role == Role.SELLER
    assert client.session[SESSION_KEY] == acme.pk


def test_invite_task_with_another_organizations_id_sends_nothing(acme, rival, ada, mailoutbox):
    invitation, url = invite(acme, ada)

    send_member_invite.apply(kwargs={"organization_id": rival.pk, "invitation_id": invitation.pk, "url": url})

    assert mailoutbox == []


# Members page


def test_non_admin_gets_404_on_the_members_page(client, sam):
    client.force_login(sam)
    assert client.get(reverse("members")).status_code == 404
    assert client.post(reverse("members"), {"email": "x@acme.test", "role": Role.ADMIN}).status_code == 404
    assert not Invitation.objects.exists()


def test_signed_in_user_without_membership_gets_404_on_the_members_page(client, db):
    loner = User.objects.create_user(email="loner@nowhere.test", password=PASSWORD)
    client.force_login(loner)
    assert client.get(reverse("members")).status_code == 404


def test_admin_sees_members_and_pending_invitations(client, acme, ada, sam):
    invite(acme, ada, email="pending@acme.test")
    client.force_login(ada)

    text = client.get(reverse("members")).content.decode()

    assert "sam@acme.test" in text
    assert "pending@acme.test" in text


def test_admin_of_another_org_cannot_revoke_our_invitation(client, acme, ada, rita):
    invitation, _url = invite(acme, ada)
    client.force_login(rita)

    response = client.post(reverse("invitation-revoke", args=[invitation.public_id]))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_admin_revokes_an_invitation(client, acme, ada):
    invitation, _url = invite(acme, ada)
    client.force_login(ada)

    response = client.post(reverse("invitation-revoke", args=[invitation.public_id]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_admin_of_another_org_cannot_change_or_remove_our_members(client, sam, rita):
    client.force_login(rita)

    role = client.post(reverse("member-role"), {"email": "sam@acme.test", "role": Role.ADMIN})
    removed = client.post(reverse("member-remove"), {"email": "sam@acme.test"})

    assert role.status_code == 404
    assert removed.status_code == 404
    assert Membership.objects.get(user=sam).role == Role.SELLER


def test_admin_changes_a_role_and_removes_a_member(client, acme, ada, sam):
    client.force_login(ada)

    client.post(reverse("member-role"), {"email": "sam@acme.test", "role": Role.MANAGER})
    assert Membership.objects.get(user=sam).role == Role.MANAGER

    client.post(reverse("member-remove"), {"email": "sam@acme.test"})
    assert not Membership.objects.filter(user=sam).exists()
    assert User.objects.filter(pk=sam.pk).exists()


def test_a_member_who_owns_deals_leaves_only_once_someone_takes_them_over(client, acme, ada, sam):
    from deals.models import Deal, DealShare
    from plans.models import Activity
    from tests import factories

    otto = make_member(acme, Role.SELLER, "otto@acme.test", "Otto")
    deals = [factories.DealFactory(organization=acme, owner=sam) for _ in range(3)]
    plan = factories.PlanFactory(deal=deals[0], organization=acme)
    DealShare.objects.create(organization=acme, deal=deals[1], user=otto)  # Otto's share ends: he owns it
    kept = factories.DealFactory(organization=acme, owner=otto)
    DealShare.objects.create(organization=acme, deal=kept, user=sam)  # Sam's share ends with him
    client.force_login(ada)

    page = client.get(reverse("members")).content.decode()
    assert "Owns 3 deals; hand them over to" in page
    refused = client.post(reverse("member-remove"), {"email": "sam@acme.test"}, follow=True)
    assert "owns 3 deals: choose who takes them over." in refused.content.decode()
    assert Membership.objects.filter(user=sam).exists()
    to_self = client.post(reverse("member-remove"), {"email": "sam@acme.test", "hand_over_to": "sam@acme.test"},
                          follow=True)
    assert "Choose another member" in to_self.content.decode() and Membership.objects.filter(user=sam).exists()
    stranger = client.post(reverse("member-remove"), {"email": "sam@acme.test", "hand_over_to": "rita@rival.test"})
    assert stranger.status_code == 404 and Membership.objects.filter(user=sam).exists()

    done = client.post(reverse("member-remove"), {"email": "sam@acme.test", "hand_over_to": "otto@acme.test"},
                       follow=True)
    assert "3 deals now belong to otto@acme.test." in done.content.decode()
    assert not Membership.objects.filter(user=sam).exists()
    assert set(Deal.objects.filter(owner=otto).values_list("pk", flat=True)) == {d.pk for d in deals} | {kept.pk}
    assert all(d.version == 2 for d in Deal.objects.filter(pk__in=[d.pk for d in deals]))
    assert not DealShare.objects.filter(organization=acme).exists()
    history = Activity.objects.get(plan=plan, target_type="deal")
    assert history.changes == {"owner": [str(sam), str(otto)]} and history.internal


def test_the_last_admin_cannot_be_removed_or_demoted(client, acme, ada, sam):
    client.force_login(ada)

    removed = client.post(reverse("member-remove"), {"email": "ada@acme.test"}, follow=True)
    demoted = client.post(reverse("member-role"), {"email": "ada@acme.test", "role": Role.SELLER}, follow=True)

    assert "only admin" in removed.content.decode()
    assert "only admin" in demoted.content.decode()
    assert Membership.objects.get(user=ada).role == Role.ADMIN


def test_an_admin_can_leave_when_another_admin_remains(acme, ada):
    other = make_member(acme, Role.ADMIN, "otto@acme.test")

    services.member_remove(membership=Membership.objects.get(user=ada))

    assert list(Membership.objects.filter(organization=acme).values_list("user", flat=True)) == [other.pk]


# Organization switch


def test_member_of_two_orgs_switches_between_them(client, acme, rival, ada):
    Membership.objects.create(organization=rival, user=ada, role=Role.SELLER)
    client.force_login(ada)

    response = client.post(reverse("org-switch"), {"organization": str(rival.public_id)})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == rival.pk


def test_switching_to_a_foreign_organization_answers_404(client, rival, ada):
    client.force_login(ada)

    response = client.post(reverse("org-switch"), {"organization": str(rival.public_id)})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


# Settings helpers fail loudly


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_env_bool_refuses_a_value_that_is_not_a_boolean(monkeypatch, raw):
    monkeypatch.setenv("MAPAPP_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="MAPAPP_TEST_FLAG"):
        app_settings.env_bool("MAPAPP_TEST_FLAG", False)


def test_env_bool_reads_true_false_and_default(monkeypatch):
    monkeypatch.setenv("MAPAPP_TEST_FLAG", " On ")
    assert app_settings.env_bool("MAPAPP_TEST_FLAG", False) is True
    monkeypatch.setenv("MAPAPP_TEST_FLAG", "0")
    assert app_settings.env_bool("MAPAPP_TEST_FLAG", True) is False
    monkeypatch.delenv("MAPAPP_TEST_FLAG")
    assert app_settings.env_bool("MAPAPP_TEST_FLAG", True) is True


def test_env_int_refuses_a_value_that_is_not_a_whole_number(monkeypatch):
    monkeypatch.setenv("MAPAPP_TEST_INT", "25s")
    with pytest.raises(ImproperlyConfigured, match="MAPAPP_TEST_INT"):
        app_settings.env_int("MAPAPP_TEST_INT", 25)
    monkeypatch.setenv("MAPAPP_TEST_INT", "")
    assert app_settings.env_int("MAPAPP_TEST_INT", 25) == 25


@pytest.mark.parametrize("raw", ["mysql://u:p@localhost/db", "not a url at all", "postgres://host:notaport/db"])
def test_env_database_refuses_an_unusable_url(monkeypatch, raw):
    monkeypatch.setenv("MAPAPP_TEST_DB", raw)
    with pytest.raises(ImproperlyConfigured, match="MAPAPP_TEST_DB"):
        app_settings.env_database("MAPAPP_TEST_DB", "sqlite:///x.db")
