"""The Airflow adapter: the only part of distro that imports airflow (DAG factory, tasks, stack)."""
