"""distro's DAGs, declared from the config file (DISTRO_CONFIG, DISTRO_STATE); no other IO."""

from __future__ import annotations

from distro import config
from distro.airflow import factory

# A mistake in one channel, source or partner becomes the import error of the DAGs it feeds;
# every other DAG still loads. Module-level names are what Airflow's DAG processor collects.
_settings, _broken = config.load_lenient()
globals().update(factory.build(_settings, _broken))
