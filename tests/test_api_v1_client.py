"""Atlassian's PyPI client for the Manage API (`atlassian-statuspage`) against a live server.

Each test runs the client's own methods (tests/statuspage_client.py) and checks what they
returned and what the server now holds.
"""

from __future__ import annotations

from flask import Flask

from statuspage.page.record import get_page
from tests.api_v1_support import new_token
from tests.factories import Factory
from tests.statuspage_client import run_client, serve


def test_the_client_lists_pages_and_components(app: Flask, factory: Factory) -> None:
    with app.app_context():
        factory.component(name="API")
        factory.component(name="Website")
        token = new_token("write")
        page_id = get_page().public_id
    with serve(app) as url:
        result = run_client(url, token, page_id, """
            pages = sp.PagesApi(api).get_pages()
            components = sp.ComponentsApi(api).get_pages_page_id_components(PAGE)
            result = {"pages": [p.id for p in pages], "components": [c.name for c in components]}
        """)
    assert result["pages"] == [page_id]
    assert sorted(result["components"]) == ["API", "Website"]
