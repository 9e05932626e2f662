"""The web interface: pages for people and a JSON API for CI, over the same services.

It is an adapter like the CLI: it parses a request, checks who asks, calls a service
and renders the answer. The rules live in the services and the domain layer.
"""

from ombud.web.app import create_app
from ombud.web.settings import WebSettings, WebSettingsError

__all__ = ["WebSettings", "WebSettingsError", "create_app"]
