"""The per-file pipeline: read one file's articles and find their entities.

Part of the indexing stage, between ingest and the engine. :func:`process_file` is what a
worker process runs for every new or changed file (``newsearch.indexer`` fans files out across
cores); :func:`process_chunk` runs it over a chunk of files so that one inter-process message
carries several files. Nothing here touches the index.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsearch.analysis import terms, words
from newsearch.article import Article
from newsearch.engine.base import PreparedArticle
from newsearch.engine.prepost import prepost
from newsearch.entities import extract_entities
from newsearch.ingest import IngestError, read_articles

log = logging.getLogger(__name__)

#: Name of the attribute that carries an article's pre-analysed text (see :func:`analyze`).
ANALYSIS_ATTR = "_analysis"

#: Skip reason for an unexpected error in a parser or the entity extractor (a bug of ours):
#: the file is reported and skipped, the run goes on.
INTERNAL_ERROR = "internal-error"


@dataclass
class FileResult:
    """What one file gave: its articles, or why it was skipped."""

    path: str
    signature: str
    articles: list[Article | PreparedArticle] = field(default_factory=list)
    """The file's articles (or, with a ``prepare`` step, what it made of each)."""
    skipped: str | None = None
    """The skip reason (``newsearch.ingest.SKIP_REASONS`` or :data:`INTERNAL_ERROR`), or None."""
    message: str = ""


def file_signature(path: str | os.PathLike[str]) -> str:
    """``size:mtime_ns`` of a file (what ``Article.file_signature`` records); '' if it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def analyze(article: Article) -> Article:
    """Attach the analysed text to ``article`` so that an engine writer can skip the analysis:
    done in the parser processes, it takes work off the one process that writes the index.
    ``(title, body, words)``: the postings of the title's and the body's terms
    (``newsearch.analysis.terms``; :class:`newsearch.engine.prepost.PrePosted`: each distinct
    term with its frequency and encoded positions) and the distinct unstemmed words. Not part
    of the article's data (``to_json``, equality); engines may ignore it."""
    setattr(article, ANALYSIS_ATTR, (
        prepost(terms(article.title)), prepost(terms(article.body)),
        list(dict.fromkeys(words(f"{article.title}\n{article.body}")))))
    return article


def process_file(path: Path | str, *, date_order: str = "mdy",
                 max_bytes: int = 50 * 2**20, analyze_text: bool = False,
                 prepare: Callable[[Article], Article | PreparedArticle] | None = None,
                 ) -> FileResult:
    """Read ``path`` and extract the entities of its articles; never raises for a bad file.

    ``analyze_text`` also pre-analyses each article's text (:func:`analyze`); ``prepare`` is
    then called on each article (an engine writer's preparation, run in the parser
    processes: it must be picklable, e.g. a module-level function), and what it returns is
    the result's article."""
    absolute = Path(path).absolute()  # (read_articles takes it as it is: no second parse)
    shown = str(absolute)
    try:
        articles = read_articles(absolute, date_order=date_order, max_bytes=max_bytes)
    except IngestError as exc:
        return FileResult(shown, "", skipped=exc.reason, message=exc.message)
    except RecursionError:
        return FileResult(shown, "", skipped=INTERNAL_ERROR,
                          message="content nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the run
        log.exception("reading %s failed", shown)
        return FileResult(shown, "", skipped=INTERNAL_ERROR,
                          message=f"{type(exc).__name__}: {exc}")
    try:
        for article in articles:
            extract_entities(article)
            if analyze_text:
                analyze(article)
    except Exception as exc:  # noqa: BLE001
        log.exception("entity extraction failed on %s", shown)
        return FileResult(shown, "", skipped=INTERNAL_ERROR,
                          message=f"entity extraction failed: {type(exc).__name__}: {exc}")
    signature = articles[0].file_signature if articles else ""
    if prepare is not None:
        try:
            return FileResult(shown, signature, [prepare(article) for article in articles])
        except Exception as exc:  # noqa: BLE001
            log.exception("preparing the articles of %s failed", shown)
            return FileResult(shown, "", skipped=INTERNAL_ERROR,
                              message=f"preparing for the index failed: "
                                      f"{type(exc).__name__}: {exc}")
    return FileResult(shown, signature, articles)


def process_chunk(paths: Sequence[str], date_order: str, max_bytes: int,
                  analyze_text: bool = False,
                  prepare: Callable[[Article], Article | PreparedArticle] | None = None,
                  ) -> list[FileResult]:
    """:func:`process_file` over several files (one task of a worker process)."""
    return [process_file(p, date_order=date_order, max_bytes=max_bytes,
                         analyze_text=analyze_text, prepare=prepare) for p in paths]
