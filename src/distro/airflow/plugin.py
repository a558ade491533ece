"""The Airflow UI plugin: the editors' desk under Airflow's login, in its navigation.

Airflow's api-server mounts the desk app (``distro.desk.app``) at ``/desk``; every route
needs an Airflow login (the UI's ``_token`` cookie, or a Bearer token), which a mounted app
would not otherwise inherit. The nav entry opens it in the UI's iframe (a relative href, so
it is same-origin and the cookie goes along). A root middleware makes the UI show times in
the configured zone (Asia/Shanghai by default) until an editor picks another.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends
from fastapi.params import Depends as Dependency

from distro import config
from distro.desk.app import PREFIX, create_app
from distro.desk.timezone import UiTimezone
from distro.errors import DistroError

NAME = "distro"
URL_ROUTE = "distro-desk"


def guard() -> list[Dependency]:
    """Airflow's own authentication check, as its core routes use it."""
    from airflow.api_fastapi.core_api.security import requires_authenticated

    return [Depends(requires_authenticated())]


def zone() -> str:
    """The configured time zone; the default one when the config cannot be read here."""
    try:
        return config.load().config.timezone
    except DistroError:  # a broken config shows on the DAGs; the UI still opens
        return config.Config().timezone


def fastapi_apps() -> list[dict[str, Any]]:
    app = create_app(config.load, dependencies=guard(), prefix=PREFIX)
    return [{"app": app, "url_prefix": PREFIX, "name": "distro desk"}]


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
