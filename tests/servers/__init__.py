"""Real servers on 127.0.0.1 for tests: PostgreSQL, moto's S3, a static HTTP feed server."""
