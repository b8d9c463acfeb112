"""Export pages: queueing from the plan page and the room, progress (htmx and without JS),
failure and retry, and who may download which copy (404 for everyone else)."""

import pytest
from celery.exceptions import Retry
from django.core.files.base import ContentFile
from django.db import OperationalError
from django.urls import reverse

from exports import render, services, tasks
from exports.models import Audience, Export, ExportStatus
from plans.activity import Actor
from tests import factories
from tests.plans.test_room import open_room

HTMX = {"HTTP_HX_REQUEST": "true"}


def create_url(plan, room=False):
    name = "exports:room-plan-export-create" if room else "exports:plan-export-create"
    return reverse(name, kwargs={"plan_id": plan.public_id})


def status_url(export, room=False):
    return reverse("exports:room-export" if room else "exports:export", kwargs={"export_id": export.public_id})


def download_url(export, room=False):
    name = "exports:room-export-download" if room else "exports:export-download"
    return reverse(name, kwargs={"export_id": export.public_id})


def finished(plan, *, audience=Audience.BUYER, user=None) -> Export:
    export = Export.objects.create(organization=plan.organization, plan=plan, audience=audience,
                                   status=ExportStatus.DONE, requested_by_user=user, size=20, pages=1)
    export.file.save("plan.pdf", ContentFile(b"%PDF-1.7\n%test export\n"))
    return export


@pytest.fixture
def tasks_in_plan(plan):
    factories.TaskFactory(plan=plan, title="Security review")
    factories.TaskFactory(plan=plan, title="Margin check", internal=True)
    return plan


def test_the_plan_page_offers_export_pdf(seller_client, plan):
    html = seller_client.get(reverse("plans:detail", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Export PDF" in html and create_url(plan) in html


def test_the_seller_queues_an_export_and_follows_it_to_the_download(
    seller_client, tasks_in_plan, seller, django_capture_on_commit_callbacks
):
    plan = tasks_in_plan
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = seller_client.post(create_url(plan), {"audience": "seller"}, **HTMX)
    assert response.status_code == 201
    export = Export.objects.get(plan=plan)
    assert (export.audience, export.status, export.requested_by_user) == ("seller", "queued", seller)
    assert len(callbacks) == 1  # the render is enqueued after commit, not before
    html = response.content.decode()
    assert "Queued" in html and f'hx-get="{status_url(export)}"' in html and 'hx-trigger="every' in html

    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    html = seller_client.get(status_url(export), **HTMX).content.decode()
    assert "Rendering" in html and "hx-get" in html

    callbacks[0]()  # the task (eager in tests) renders it
    export.refresh_from_db()
    assert export.status == "done" and export.size > 1000 and export.pages >= 1
    html = seller_client.get(status_url(export), **HTMX).content.decode()
    assert "Ready" in html and download_url(export) in html and "hx-get" not in html

    response = seller_client.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_without_javascript_the_button_leads_to_a_status_page_with_a_refresh_link(seller_client, plan):
    response = seller_client.post(create_url(plan), {"audience": "buyer"})
    export = Export.objects.get(plan=plan)
    assert response.status_code == 302 and response["Location"] == status_url(export)
    html = seller_client.get(status_url(export)).content.decode()
    assert "PDF export" in html and f'href="{status_url(export)}"' in html and "Refresh" in html


def test_a_render_error_shows_a_readable_error_and_a_retry_button(
    seller_client, plan, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(render, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(create_url(plan), {"audience": "buyer"}, **HTMX)
    export = Export.objects.get(plan=plan)
    assert export.status == "failed" and "could not be made" in export.error and not export.file
    html = seller_client.get(status_url(export), **HTMX).content.decode()
    assert "Failed" in html and "could not be made" in html and "Retry" in html and create_url(plan) in html
    assert "cairo exploded" not in html  # the details are in the log, not in front of the buyer
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert seller_client.post(create_url(plan), {"audience": "buyer"}, **HTMX).status_code == 201
    assert Export.objects.filter(plan=plan, status="done").count() == 1


def test_a_database_outage_is_retried_and_then_marked_failed(plan, seller, monkeypatch):
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller)
    calls = []

    def down(**kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "export_render", down)
    kwargs = {"organization_id": plan.organization_id, "export_id": export.pk}
    with pytest.raises(Retry):  # with backoff, not failed yet
        tasks.render_export.apply(kwargs=kwargs)
    export.refresh_from_db()
    assert export.status == "queued"
    with pytest.raises(OperationalError):  # the last try gives up and says so
        tasks.render_export.apply(kwargs=kwargs, retries=tasks.MAX_RETRIES)
    assert len(calls) == 2
    export.refresh_from_db()
    assert export.status == "failed" and "database" in export.error


def test_the_task_does_nothing_for_another_organizations_export(plan, seller, outsider):
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller)
    other_org = outsider.memberships.get().organization
    tasks.render_export.apply(kwargs={"organization_id": other_org.pk, "export_id": export.pk})
    export.refresh_from_db()
    assert export.status == "queued"


def test_a_bad_audience_is_refused_with_a_sentence(seller_client, plan):
    response = seller_client.post(create_url(plan), {"audience": "everyone"}, **HTMX)
    assert response.status_code == 422 and "Choose who the PDF is for" in response.content.decode()
    assert not Export.objects.exists()


def test_a_double_click_does_not_queue_without_end(plan, seller):
    exports = {services.export_request(plan=plan, actor=Actor(user=seller), audience="buyer").pk for _ in range(6)}
    assert len(exports) == services.PENDING_PER_PLAN
    assert Export.objects.filter(plan=plan).count() == services.PENDING_PER_PLAN


# Downloads: who gets which copy --------------------------------------------------------------

def test_the_buyer_exports_and_downloads_the_buyers_copy_of_their_own_room(
    client, plan, buyer, seller, tasks_in_plan, django_capture_on_commit_callbacks
):
    open_room(client, buyer, seller)
    room_html = client.get(reverse("plans:room", kwargs={"plan_id": plan.public_id})).content.decode()
    assert "Export PDF" in room_html and create_url(plan, room=True) in room_html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(create_url(plan, room=True), {"audience": "seller"}, **HTMX)
    assert response.status_code == 201
    export = Export.objects.get(plan=plan)
    # A buyer gets the buyer's copy whatever the form says.
    assert (export.audience, export.requested_by_stakeholder, export.status) == ("buyer", buyer, "done")
    html = client.get(status_url(export, room=True), **HTMX).content.decode()
    assert download_url(export, room=True) in html
    response = client.get(download_url(export, room=True))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_buyer_never_gets_the_sellers_copy_nor_the_seller_urls(client, plan, buyer, seller):
    internal = finished(plan, audience=Audience.SELLER, user=seller)
    open_room(client, buyer, seller)
    assert client.get(download_url(internal, room=True)).status_code == 404
    assert client.get(status_url(internal, room=True)).status_code == 404
    own = finished(plan)
    assert client.get(download_url(own)).status_code == 404  # the seller's URL: not for a room session


def test_a_buyer_of_another_room_gets_404(client, plan, seller, org):
    export = finished(plan)
    other_deal = factories.DealFactory(organization=org, owner=seller)
    factories.PlanFactory(deal=other_deal, organization=org)
    open_room(client, factories.StakeholderFactory(deal=other_deal), seller)
    assert client.get(download_url(export, room=True)).status_code == 404
    assert client.get(status_url(export, room=True)).status_code == 404
    assert client.post(create_url(plan, room=True)).status_code == 404


def test_another_tenant_and_a_seller_without_access_get_404(client, plan, seller, outsider, other_seller):
    export = finished(plan)
    for who in (outsider, other_seller):
        client.force_login(who)
        assert client.get(download_url(export)).status_code == 404
        assert client.get(status_url(export)).status_code == 404
        assert client.post(create_url(plan)).status_code == 404
    assert Export.objects.count() == 1


def test_a_member_previewing_the_room_cannot_export_as_the_buyer(client, plan, seller):
    client.force_login(seller)
    response = client.post(create_url(plan, room=True))
    assert response.status_code == 403 and "plan page" in response.content.decode()
    assert not Export.objects.exists()


def test_a_download_of_an_unfinished_export_is_404(seller_client, plan, seller):
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller)
    assert seller_client.get(download_url(export)).status_code == 404


def test_deleting_an_export_removes_its_file(plan, django_capture_on_commit_callbacks):
    export = finished(plan)
    storage, name = export.file.storage, export.file.name
    assert name.startswith(f"exports/{plan.organization.public_id}/") and storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        export.delete()
    assert not storage.exists(name)


def test_an_export_whose_worker_keeps_dying_is_given_up(plan, seller):
    # Redelivered after each lost worker (acks_late): the attempts count says when to stop.
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller,
                                   status=ExportStatus.RUNNING, attempts=services.MAX_ATTEMPTS)
    tasks.render_export.apply(kwargs={"organization_id": plan.organization_id, "export_id": export.pk})
    export.refresh_from_db()
    assert export.status == "failed" and "several tries" in export.error and not export.file


def test_a_database_error_while_rendering_is_left_to_the_retry(plan, seller, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(render, "render_pdf", down)
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller)
    with pytest.raises(OperationalError):
        services.export_render(export=export)
    export.refresh_from_db()
    assert export.status == "running" and export.attempts == 1  # not failed: the task tries again
