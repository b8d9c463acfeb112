"""Exports through the API: POST queues (201), GET answers the status and, when done, a URL."""

import pytest
from django.urls import reverse

from exports.models import Export
from tests import factories


def exports_url(plan):
    return reverse("api:plan-exports", kwargs={"plan_id": plan.public_id})


def export_url(export_id):
    return reverse("api:export-detail", kwargs={"export_id": export_id})


def test_post_queues_an_export_and_get_answers_its_status_and_download_url(
    seller_client, plan, django_capture_on_commit_callbacks
):
    factories.TaskFactory(plan=plan, title="Security review")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = seller_client.post(exports_url(plan), {"audience": "seller"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["audience"] == "seller" and body["download_url"] is None
    assert body["plan"] == str(plan.public_id)
    assert response["Location"] == export_url(body["id"])

    for callback in callbacks:
        callback()
    body = seller_client.get(export_url(body["id"])).json()
    assert body["status"] == "done" and body["size"] > 1000 and body["pages"] >= 1
    download = seller_client.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_audience_defaults_to_the_buyers_copy_and_a_bad_one_is_400(seller_client, plan):
    assert seller_client.post(exports_url(plan), {}, content_type="application/json").json()["audience"] == "buyer"
    response = seller_client.post(exports_url(plan), {"audience": "all"}, content_type="application/json")
    assert response.status_code == 400 and "audience" in response.json()
    assert Export.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_tenant_gets_404(client, plan, seller, outsider, method):
    export = Export.objects.create(organization=plan.organization, plan=plan, requested_by_user=seller)
    client.force_login(outsider)
    assert getattr(client, method)(exports_url(plan)).status_code == 404
    assert client.get(export_url(export.public_id)).status_code == 404
    assert Export.objects.count() == 1
