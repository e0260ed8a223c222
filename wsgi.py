"""WSGI entry point for production servers: ``gunicorn wsgi:app``.

Settings come from ``NEWSEARCH_*`` environment variables (see docs/settings.md).
"""

from newsearch.app import create_app

app = create_app()
