"""The web site: search page, article page, entity page (a Flask blueprint, ``bp``).

Part of the shells; ``newsearch.app.create_app`` registers :data:`bp` at ``/``.
"""

from newsearch.web.views import bp

__all__ = ["bp"]
