"""The pages carry everything they need: no CDN, so they work offline."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')


def test_every_asset_is_local_and_served(client, customer):
    client.force_login(customer)
    page = client.get(reverse("tickets:portal_home")).content.decode()
    assets = ASSET.findall(page)

    assert "/static/bootstrap/css/bootstrap.min.css" in assets
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in assets
    assert any(re.match(r"/static/django_htmx/htmx.*\.js$", a) for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by us"
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content)
        assert len(body) > 100, asset


def test_missing_page_uses_the_product_404(client, customer):
    client.force_login(customer)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()
