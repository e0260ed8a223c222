"""Entities stage: people, places and organisations of an article.

``extract_entities(article)`` fills ``article.people/places/orgs`` in place (the page's own
annotations merged with the names found in the title and body); ``find_entities(title, body)``
returns an :class:`Entities` for direct use. Rule-based and model-free: see ``docs/entities.md``.
"""

from newsearch.entities.extractor import Entities, extract_entities, find_entities

__all__ = ["Entities", "extract_entities", "find_entities"]
