"""What the app serves around its pages: the icon, and slash redirects that never trust
the Host header (issue #19, item 5)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ._seed import Seeded


def test_the_favicon_is_served_from_the_package(
    app_client: Callable[[], TestClient], seeded: Seeded
) -> None:
    icon = app_client().get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header: type 1, icon
    assert "set-cookie" not in icon.headers


def test_a_trailing_slash_redirects_relatively_whatever_the_host_header(
    app_client: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = app_client()
    for path, target in (
        ("/systems/", "/systems"),
        ("/findings/?status=open", "/findings?status=open"),
    ):
        moved = client.get(path, headers={"host": "evil.example"})
        assert moved.status_code == 307
        assert moved.headers["location"] == target  # relative: no host to poison
    assert client.get("/%2Fevil.example/", headers={"host": "evil.example"}).status_code == 404
    assert client.get("/nothing-here/").status_code == 404  # only existing routes redirect
