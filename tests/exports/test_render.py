"""The PDF itself: rendered by WeasyPrint, read back with pypdf. Scripts render as glyphs (a
CJK font is embedded), the buyer's copy holds no internal task and no amount, pages are
numbered, and nothing is fetched from outside."""

import datetime
import io
import re

import pytest
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from exports import render
from exports.models import Audience
from plans.models import PlanStatus, RiskStatus, TaskStatus
from tests import factories


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


def squash(text: str) -> str:
    # pypdf may break lines or put spaces between CJK glyphs: compare without whitespace.
    return re.sub(r"\s+", "", text)


@pytest.fixture
def full_plan(plan, buyer, org):
    plan.buyer_objective = "Cut onboarding time in half"
    plan.success_criteria = "Go-live before the audit"
    plan.budget_amount = "80000.00"
    plan.status = PlanStatus.SHARED
    plan.save()
    plan.deal.amount = "987654.32"
    plan.deal.save()
    seller_person = factories.StakeholderFactory(deal=plan.deal, side="seller", name="Sam Seller", decision_role="")
    m1 = factories.MilestoneFactory(plan=plan, title="Technische Prüfung")
    factories.TaskFactory(plan=plan, milestone=m1, title="セキュリティ審査", owner=buyer, side="buyer")
    factories.TaskFactory(plan=plan, milestone=m1, title="Übergabe an den Betrieb", owner=seller_person,
                          status=TaskStatus.IN_PROGRESS)
    factories.TaskFactory(plan=plan, title="Tinjauan kontrak dan penandatanganan", side="joint")
    factories.TaskFactory(plan=plan, milestone=m1, title="Discount approval from finance", internal=True)
    factories.RiskFactory(plan=plan, description="Procurement freeze in Q4", mitigation="Sign before 15 December")
    factories.RiskFactory(plan=plan, description="An old closed risk", status=RiskStatus.CLOSED)
    return plan


def test_a_buyer_copy_holds_the_plan_in_every_script_and_nothing_internal(full_plan):
    data, pages = render.render_pdf(full_plan, audience=Audience.BUYER, language="en")
    assert data.startswith(b"%PDF")
    text, reader = pdf_text(data)
    assert pages == len(reader.pages) >= 2
    flat = squash(text)
    for title in ("セキュリティ審査", "ÜbergabeandenBetrieb", "Tinjauankontrakdanpenandatanganan",
                  "TechnischePrüfung", "Cutonboardingtimeinhalf", "ProcurementfreezeinQ4",
                  "Signbefore15December", "SarahChen", full_plan.deal.buyer_company.replace(" ", ""),
                  "AcmeSoftware"):
        assert title in flat, title
    assert "Discount approval" not in text
    assert "987" not in flat and "80,000" not in flat and "80000" not in flat
    assert "An old closed risk" not in text
    assert re.search(r"Page\s*1\s*of\s*\d", text), text[:300]
    # A CJK font is embedded, so the Japanese title is drawn with glyphs, not boxes.
    fonts = font_names(reader)
    assert any("CJK" in name for name in fonts), fonts


def test_a_seller_copy_marks_internal_tasks_and_shows_the_budget_but_not_the_deal_amount(full_plan):
    data, _pages = render.render_pdf(full_plan, audience=Audience.SELLER, language="en")
    text, _reader = pdf_text(data)
    flat = squash(text)
    assert "Discountapprovalfromfinance" in flat
    assert "Internal" in text
    assert "80,000.00" in flat
    assert "987" not in flat


@pytest.mark.parametrize("language", ["de", "ja", "id"])
def test_the_pdf_is_in_the_requesters_language(full_plan, language):
    today = datetime.date(2026, 11, 23)
    data, _pages = render.render_pdf(full_plan, audience=Audience.BUYER, language=language, today=today)
    text, _reader = pdf_text(data)
    with translation.override(language):
        expected = date_format(today, "DATE_FORMAT")
    assert squash(expected) in squash(text), (expected, text[:300])
    assert "セキュリティ審査" in squash(text)


def test_an_image_url_in_user_text_is_not_fetched(full_plan, monkeypatch):
    asked = []
    original = render.static_url_fetcher

    def spy(url):
        asked.append(url)
        return original(url)

    monkeypatch.setattr(render, "static_url_fetcher", spy)
    factories.TaskFactory(plan=full_plan, title='<img src="http://example.com/x.png"> tracking pixel')
    data, _pages = render.render_pdf(full_plan, audience=Audience.BUYER, language="en")
    text, _reader = pdf_text(data)
    assert "example.com/x.png" in text  # shown as text: escaped, never an element
    assert all("example.com" not in url for url in asked), asked
    assert any(url.endswith("exports/print.css") for url in asked), asked  # the stylesheet is ours


@pytest.mark.parametrize("url", [
    "http://example.com/x.png",
    "https://example.com/static/exports/print.css",
    "file:///etc/passwd",
    "data:image/png;base64,iVBORw0KGgo=",
    f"{render.BASE_URL}static/../mapapp/settings.py",
    f"{render.BASE_URL}static/exports/../../mapapp/settings.py",
    f"{render.BASE_URL}static/%2e%2e/mapapp/settings.py",
    f"{render.BASE_URL}etc/passwd",
    f"{render.BASE_URL}static/no-such-file.css",
])
def test_the_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(render.FetchRefused):
        render.static_url_fetcher(url)


def test_the_fetcher_serves_our_stylesheet():
    body, mime_type = render.static_url_fetcher(f"{render.BASE_URL}static/exports/print.css")
    assert mime_type == "text/css" and b"@page" in body


def test_a_weasyprint_fetcher_refuses_an_external_url():
    fetcher = render.url_fetcher()
    with pytest.raises(render.FetchRefused):
        fetcher("http://example.com/x.png")


def test_a_worker_without_collected_static_files_still_styles_the_pdf(full_plan, settings, monkeypatch):
    # Production keeps a manifest of hashed names that only the web container collects.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    asked = []
    original = render.static_url_fetcher
    monkeypatch.setattr(render, "static_url_fetcher", lambda url: asked.append(url) or original(url))
    data, _pages = render.render_pdf(full_plan, audience=Audience.BUYER, language="en")
    assert data.startswith(b"%PDF") and [u for u in asked if u.endswith("/static/exports/print.css")]
