"""The editors' desk: articles, deliveries, quarantine, review and previews over the ledger.

``queries`` and ``previews`` are pure reads (plus the quarantine retry the CLI also calls);
``app`` serves them as a FastAPI app (HTML pages and a JSON API) that Airflow's api-server
mounts through ``distro.airflow.plugin``. Nothing here imports Airflow.
"""

#: Where Airflow's api-server mounts the desk.
PREFIX = "/desk"
