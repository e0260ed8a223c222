"""newsearch: ranked, faceted search over a folder of news articles.

The pipeline, one module (or package) per stage:

    ingest (formats -> Article)  ->  entities  ->  engine (index schema, Whoosh / tantivy)
        ->  query (our query language -> query tree)  ->  search (one search() -> SearchResult)
        ->  web / api / cli (thin shells that render a SearchResult as HTML, JSON or text)

Nothing in the core imports Flask or Click; only ``newsearch.engine.*_engine`` imports
``whoosh`` or ``tantivy``.
"""

__version__ = "0.1.0"
