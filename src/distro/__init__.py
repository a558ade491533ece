"""distro: news ingestion and distribution on Apache Airflow."""
