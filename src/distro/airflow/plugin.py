"""The Airflow UI plugin: the editors' desk under Airflow's login, in its navigation.

Airflow's api-server mounts the desk app (``distro.desk.app``) at ``/desk``; every route
needs an Airflow login (the UI's ``_token`` cookie, or a Bearer token), which a mounted app
would not otherwise inherit. The nav entry opens it in the UI's iframe (a relative href, so
it is same-origin and the cookie goes along). A root middleware makes the UI show times in
the configured zone (Asia/Shanghai by default) until an editor picks another.

WeChat's callback app (``distro.channels.wechat.callback``) is mounted at ``CALLBACK_PREFIX``
with no Airflow login (WeChat cannot log in): each push is checked by its signature instead.

Every Airflow process loads plugins (each task process too, for listeners and macros), so this
module stays light: the desk app, FastAPI and Airflow's API security are imported on the
desk's first request, in the api-server only.
"""

from __future__ import annotations

import threading
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from distro import config
from distro.desk import PREFIX
from distro.desk.timezone import UiTimezone
from distro.errors import DistroError

NAME = "distro"
URL_ROUTE = "distro-desk"
#: Where WeChat pushes events: ``{CALLBACK_PREFIX}/{account}`` in the account's 服务器配置.
CALLBACK_PREFIX = "/wechat/callback"


def build() -> Any:
    """The desk app behind Airflow's own authentication check, as its core routes use it."""
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from fastapi import Depends

    from distro.desk.app import create_app

    return create_app(config.load, dependencies=[Depends(requires_authenticated())], prefix=PREFIX)


def build_callback() -> Any:
    """WeChat's callback app, its tokens read through Airflow's secrets backends; no login."""
    from distro.airflow import connections
    from distro.channels.wechat.callback import create_app

    connections.install()
    return create_app(config.load)


class DeskApp:
    """An ASGI app that builds the desk on its first request."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "distro.desk.app:create_app"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self.build()
        await self._app(scope, receive, send)

    def build(self) -> Any:
        return build()


class CallbackApp(DeskApp):
    """An ASGI app that builds WeChat's callback on its first request."""

    def __repr__(self) -> str:
        return "distro.channels.wechat.callback:create_app"

    def build(self) -> Any:
        return build_callback()


def zone() -> str:
    """The configured time zone; the default one when the config cannot be read here."""
    try:
        return config.load().config.timezone
    except DistroError:  # a broken config shows on the DAGs; the UI still opens
        return config.Config().timezone


def fastapi_apps() -> list[dict[str, Any]]:
    return [
        {"app": DeskApp(), "url_prefix": PREFIX, "name": "distro desk"},
        {"app": CallbackApp(), "url_prefix": CALLBACK_PREFIX, "name": "distro WeChat callback"},
    ]


def external_views() -> list[dict[str, Any]]:
    return [
        {
            "name": "Desk",
            "href": PREFIX.lstrip("/") + "/",
            "destination": "nav",
            "url_route": URL_ROUTE,
            "nav_top_level": True,
        }
    ]


def root_middlewares() -> list[dict[str, Any]]:
    return [
        {
            "middleware": UiTimezone,
            "args": [],
            "kwargs": {"zone": zone(), "skip": [PREFIX + "/"]},
            "name": "distro UI time zone",
        }
    ]


class DistroPlugin(AirflowPlugin):
    """distro's desk, its nav entry and the UI's default time zone."""

    name = NAME
    fastapi_apps = fastapi_apps()
    external_views = external_views()
    fastapi_root_middlewares = root_middlewares()
