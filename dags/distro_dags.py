"""distro's DAGs, declared from the config file (DISTRO_CONFIG, DISTRO_STATE); no other IO."""

from __future__ import annotations

from distro import config
from distro.airflow import factory

# Module-level names are what Airflow's DAG processor collects.
globals().update(factory.build(config.load()))
