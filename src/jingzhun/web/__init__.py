"""The web application: server-rendered Chinese pages (FastAPI + Jinja2) over the same services as the CLI."""
