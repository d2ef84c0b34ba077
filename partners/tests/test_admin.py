"""The admin: a key's secret shown once on the page that makes it, rotation and
revocation, and each partner's usage page with its chart and CSV export."""

import csv
import io

import pytest
from django.utils import timezone

from partners.keys import key_hash
from partners.models import ApiKey, DailyUsage, Partner, PartnerJob, Plan
from partners.tests.factories import make_key, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_a_partner_made_in_the_admin_gets_a_signing_secret(staff):
    plan = Plan.objects.get(name="Trial")  # made by the migration

    response = staff.post(
        "/admin/partners/partner/add/",
        {
            "name": "Hangeul School",
            "contact_name": "Minji",
            "contact_email": "minji@example.com",
            "plan": plan.pk,
            "is_active": "on",
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    partner = Partner.objects.get(name="Hangeul School")
    assert len(partner.callback_secret) == 64


def test_a_key_made_in_the_admin_is_shown_once_and_stored_hashed(staff, partner):
    response = staff.post(
        "/admin/partners/apikey/add/",
        {"partner": partner.pk, "name": "production", "scopes": ["assess", "catalogue:read"]},
    )

    assert response.status_code == 200
    page = response.content.decode()
    key = ApiKey.objects.get(name="production")
    secret = page.split("<code data-api-key>")[1].split("</code>")[0]
    assert secret.startswith(f"ys_live_{key.prefix}")
    assert key.key_hash == key_hash(secret)
    assert key.scopes == ["assess", "catalogue:read"]
    # Nowhere else: the key's own page shows the prefix only.
    change = staff.get(f"/admin/partners/apikey/{key.pk}/change/").content.decode()
    assert secret not in change and key.display in change


def test_rotate_and_revoke_actions(staff, partner):
    old, _secret = make_key(partner, name="prod")

    rotated = staff.post(
        "/admin/partners/apikey/", {"action": "rotate", "_selected_action": [old.pk]}
    )
    old.refresh_from_db()
    new = old.replaced_by
    staff.post("/admin/partners/apikey/", {"action": "revoke", "_selected_action": [new.pk]})

    assert new is not None and old.expires_at > timezone.now()
    assert f"ys_live_{new.prefix}" in rotated.content.decode()
    new.refresh_from_db()
    assert new.revoked_at is not None


def test_the_usage_page_draws_a_chart_and_exports_csv(staff):
    partner = make_partner()
    key, _secret = make_key(partner, name="prod")
    today = timezone.now().date()
    DailyUsage.objects.create(
        partner=partner,
        key=key,
        day=today,
        requests=12,
        errors=2,
        assessments=9,
        audio_seconds=27.5,
    )
    for latency in (400, 600, 900):
        PartnerJob.objects.create(
            partner=partner,
            key=key,
            text="x",
            language="en",
            reference="synthetic",
            content_type="audio/wav",
            audio_seconds=3,
            status="completed",
            finished_at=timezone.now(),
            latency_ms=latency,
        )

    page = staff.get(f"/admin/partners/partner/{partner.pk}/usage/")
    export = staff.get(f"/admin/partners/partner/{partner.pk}/usage.csv")

    assert page.status_code == 200
    assert page.content.decode().count("<rect") == 30
    assert f"{today}: 27.5 s" in page.content.decode()
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert export["Content-Type"].startswith("text/csv")
    assert rows == [
        {
            "day": str(today),
            "key": key.display,
            "key_name": "prod",
            "requests": "12",
            "errors": "2",
            "assessments": "9",
            "audio_seconds": "27.5",
            "latency_p50_ms": "600",
            "latency_p95_ms": "900",
        }
    ]
