"""distro: news ingestion and distribution on Apache Airflow."""

import logging

# A library's records go where the application sends them (Airflow's task logs); with no
# handler set up (the CLI, which prints its own one-line reports), nowhere, never stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())
