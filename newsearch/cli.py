"""The ``newsearch`` command line: a thin Click shell over the indexer, ingest and engine.

Part of the shells. Commands: ``index`` (bring an index up to date with folders of article
files), ``extract`` (print what the indexer sees, as JSON Lines), ``stats`` (what an index
holds). Every command takes its defaults from ``newsearch.settings`` (so ``NEWSEARCH_INDEX``
and friends work) and explicit options override them. To add a command, decorate it with
``@main.command()`` and use :func:`index_option` for the shared ``--index`` option and
:func:`resolve_settings` for the settings.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from newsearch.settings import SettingsError, load_settings

EXAMPLES_INDEX = """
\b
Examples:
  newsearch index samples/                   # build or update index/
  newsearch index ~/news --index /srv/ix     # another index location
  newsearch index ~/news --rebuild --jobs 2  # start over, two parser processes
  newsearch index ~/news --engine tantivy --rebuild
\b
Exit status: 0 success; 1 partial (some files skipped, the rest indexed);
2 failure (nothing indexable, or the index cannot be written); 3 the index is
being written by another process.
"""


def resolve_settings(**overrides: Any) -> dict[str, Any]:
    """Settings with the non-None CLI options applied; bad values are a usage error."""
    try:
        return load_settings({k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


def index_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The shared ``--index DIR`` option (default: NEWSEARCH_INDEX, else ``index``)."""
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Index directory [default: $NEWSEARCH_INDEX, else index/].")(func)


def _index_dir(index_dir: Path | None) -> Path:
    if index_dir is not None:
        return index_dir
    return Path(resolve_settings()["index"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsearch")
def main() -> None:
    """newsearch: ranked, faceted search over a folder of news articles.

    \b
    Examples:
      newsearch index samples/     # index the sample archive into index/
      newsearch stats              # what the index holds
      newsearch extract page.txt   # see what the indexer reads from a file
    """


# -- index ---------------------------------------------------------------------------------


@main.command(epilog=EXAMPLES_INDEX)
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Empty the index first and index everything.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Parser processes (0: one per core) [default: $NEWSEARCH_JOBS, else 0].")
@click.option("--engine", type=click.Choice(["whoosh", "tantivy"]), default=None,
              help="Engine of a new index (an existing index keeps its own unless --rebuild).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Articles per commit [default: $NEWSEARCH_BATCH_SIZE, else the engine's: "
                   "20,000 for Whoosh, 5,000 for tantivy].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and only a one-line summary.")
def index(paths: tuple[Path, ...], index_dir: Path | None, rebuild: bool, jobs: int | None,
          engine: str | None, batch_size: int | None, quiet: bool) -> None:
    """Index the article files under PATH... (new, changed and deleted files only).

    Walks folders (symlink loops are reported, not followed), parses files in parallel,
    and updates the index incrementally: unchanged files are not read again, files that
    disappeared from the folders are removed from the index.
    """
    from newsearch.indexer import update_index

    settings = resolve_settings(index=str(index_dir) if index_dir else None, jobs=jobs,
                                batch_size=batch_size)
    target = Path(settings["index"])
    bar = None
    progress = None
    if not quiet and _stderr_is_tty():
        state: dict[str, Any] = {}

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None and total:
                bar = click.progressbar(length=total, label="Indexing", file=sys.stderr,
                                        show_pos=True, show_eta=True)
                bar.__enter__()
                state["last"] = 0
            if bar is not None:
                bar.update(done - state["last"])
                state["last"] = done

    try:
        summary = update_index(
            [str(p) for p in paths], target, engine=engine, rebuild=rebuild,
            jobs=settings["jobs"], batch_size=settings["batch_size"],
            date_order=settings["date_order"], max_bytes=settings["max_file_bytes"],
            progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _print_summary(summary, quiet)
    sys.exit(summary.exit_status)


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _reason_label(reason: str) -> str:
    try:
        from newsearch.ingest import SKIP_REASONS
    except ImportError:  # pragma: no cover
        return reason
    return SKIP_REASONS.get(reason, reason)


def _print_summary(summary: Any, quiet: bool, examples: int = 3) -> None:
    if summary.locked_by is not None:
        click.echo(f"error: {summary.error}", err=True)
        return
    if summary.error:
        click.echo(f"error: {summary.error}", err=True)
        if not (summary.added or summary.updated or summary.unchanged or summary.removed
                or summary.skipped):
            return
    line = (f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.removed} removed, {summary.skipped_count} skipped; "
            f"{summary.articles} articles in {summary.seconds:.1f} s "
            f"({summary.articles_per_second:.0f} articles/s)")
    if quiet:
        click.echo(line)
        return
    click.echo(f"index: {summary.index_dir} ({summary.engine or 'unknown engine'})")
    click.echo(line)
    for reason, items in sorted(summary.skipped.items()):
        click.echo(f"skipped, {_reason_label(reason)} [{reason}]: {len(items)}", err=True)
        for path, message in items[:examples]:
            click.echo(f"  {path}: {message}", err=True)
        if len(items) > examples:
            click.echo(f"  ... and {len(items) - examples} more", err=True)


# -- extract -------------------------------------------------------------------------------


@main.command(epilog="""
\b
Examples:
  newsearch extract samples/scraped/rotterdam-port-strike.txt
  newsearch extract samples/ | jq -r .title
  newsearch extract --date-order dmy exports/*.json > articles.jsonl
""")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--date-order", type=click.Choice(["mdy", "dmy"]), default=None,
              help="How 02/03/2022 is read [default: $NEWSEARCH_DATE_ORDER, else mdy].")
@click.option("--no-entities", is_flag=True, help="Skip entity extraction.")
def extract(paths: tuple[Path, ...], date_order: str | None, no_entities: bool) -> None:
    """Print the articles of PATH... as JSON Lines: what the indexer sees.

    One JSON object per article, in file order (a file holding many articles gives one line
    per article). Files that cannot be read are reported on stderr and skipped; the exit
    status is that of `newsearch index` (0 all read, 1 some skipped, 2 nothing read).
    """
    from newsearch.indexer import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL
    from newsearch.ingest import IngestError, read_articles
    from newsearch.ingest.walk import iter_files
    from newsearch.pipeline import process_file

    settings = resolve_settings(date_order=date_order)
    read = skipped = 0
    for item in iter_files(paths):
        path = os.path.abspath(item.path)
        reason = getattr(item, "reason", None)
        if reason:
            if reason != "unsupported-type":
                skipped += 1
            click.echo(f"skipped {path}: {item.message} [{reason}]", err=True)
            continue
        if no_entities:
            try:
                articles = read_articles(path, date_order=settings["date_order"],
                                         max_bytes=settings["max_file_bytes"])
            except IngestError as exc:
                skipped += 1
                click.echo(f"skipped {path}: {exc.message} [{exc.reason}]", err=True)
                continue
        else:
            result = process_file(path, date_order=settings["date_order"],
                                  max_bytes=settings["max_file_bytes"])
            if result.skipped:
                skipped += 1
                click.echo(f"skipped {path}: {result.message} [{result.skipped}]", err=True)
                continue
            articles = result.articles
        read += 1
        for article in articles:
            click.echo(json.dumps(article.to_json(), ensure_ascii=False))
    if read == 0:
        sys.exit(EXIT_FAILURE)
    sys.exit(EXIT_PARTIAL if skipped else EXIT_OK)


# -- stats ---------------------------------------------------------------------------------


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@main.command(epilog="""
\b
Examples:
  newsearch stats
  newsearch stats --index /srv/ix --top 20
  newsearch stats --json | jq .articles
""")
@index_option
@click.option("--top", type=click.IntRange(min=1, max=1000), default=10, show_default=True,
              help="How many publishers and entities to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def stats(index_dir: Path | None, top: int, as_json: bool) -> None:
    """What an index holds: articles, date span, top publishers and entities, size."""
    from dataclasses import asdict

    from newsearch.engine import EngineError, open_engine

    target = _index_dir(index_dir)
    try:
        with open_engine(target) as engine:
            info = engine.stats(top=top)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        data = asdict(info)
        data["index"] = str(target)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:     {target} ({info.engine}, commit {info.generation})")
    click.echo(f"articles:  {info.articles:,}")
    span = f"{info.first_date} to {info.last_date}" if info.first_date else "no dated articles"
    click.echo(f"dates:     {span}; {info.undated:,} undated")
    click.echo(f"size:      {_size(info.size_bytes)}")
    for label, values in (("publishers", info.publishers), ("people", info.people),
                          ("places", info.places), ("organisations", info.orgs)):
        click.echo(f"top {label}:")
        if not values:
            click.echo("  (none)")
        for v in values:
            click.echo(f"  {v.count:>7,}  {v.value}")



# -- search and serve (the search stage's shells) ---------------------------------------------

_FILTER_OPTIONS = ("person", "place", "org", "tag", "publisher", "author", "section", "year",
                   "month")


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name in reversed(_FILTER_OPTIONS):
        func = click.option(f"--{name}", multiple=True, metavar="VALUE",
                            help=f"Only articles with this {name} (repeatable: any of them).")(func)
    return func


def _plain(html_text: str, bold: bool) -> str:
    """Snippet HTML -> terminal text: marks in bold (or *stars* without a terminal)."""
    import html
    import re

    def mark(m: re.Match[str]) -> str:
        word = html.unescape(m.group(1))
        return click.style(word, bold=True) if bold else f"*{word}*"

    text = re.sub(r"<mark>(.*?)</mark>", mark, html_text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)) if "<" in text else html.unescape(text)


@main.command(epilog="""
\b
Examples:
  newsearch search "port strike"
  newsearch search 'person:"Tomas Okafor" gas' --sort newest
  newsearch search drought --place Kenya --from 2021-01-01 --json
  newsearch search europe --exclude publisher="Meridian Wire" --page 2
""")
@click.argument("query", nargs=-1)
@index_option
@_filter_options
@click.option("--exclude", multiple=True, metavar="NAME=VALUE",
              help="Leave out articles with this facet value, e.g. person=\"Xi Jinping\" "
                   "(repeatable).")
@click.option("--from", "date_from", metavar="DATE", help="Published on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default=None,
              help="Order [default: relevance with a query, newest without].")
@click.option("--recency", is_flag=True, help="Boost recent articles in relevance order.")
@click.option("--page", type=int, default=None, help="Page number [default: 1].")
@click.option("--size", type=int, default=None, help="Hits per page [default: 10].")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
def search(query: tuple[str, ...], index_dir: Path | None, exclude: tuple[str, ...],
           date_from: str | None, date_to: str | None, sort: str | None, recency: bool,
           page: int | None, size: int | None, as_json: bool, **filters: tuple[str, ...]
           ) -> None:
    """Search the index: ranked hits with snippets (QUERY uses the query language of
    docs/api.md: AND by default, OR, NOT/-, "phrases", person: place: org: date:...)."""
    from newsearch.engine import EngineError, QueryTooExpensive, open_engine
    from newsearch.params import EXCLUDE_PREFIX, ParamError, parse_search_params
    from newsearch.query import QuerySyntaxError
    from newsearch.search import search as run_search

    settings = resolve_settings()
    text = " ".join(query)
    args: dict[str, list[str]] = {"q": [text]}
    for name in _FILTER_OPTIONS:
        if filters.get(name):
            args[name] = list(filters[name])
    for item in exclude:
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in _FILTER_OPTIONS:
            raise click.BadParameter(
                f"expected NAME=VALUE with NAME one of {', '.join(_FILTER_OPTIONS)}, "
                f"got {item!r}", param_hint="--exclude")
        args.setdefault(EXCLUDE_PREFIX + name, []).append(value.strip().strip('"'))
    for key, value in (("from", date_from), ("to", date_to), ("sort", sort),
                       ("page", page), ("size", size)):
        if value is not None:
            args[key] = [str(value)]
    if recency:
        args["recency"] = ["true"]
    if not as_json:
        args["facets"] = ["none"]
    try:
        request = parse_search_params(args, settings)
    except ParamError as exc:
        hint = "QUERY" if exc.param == "q" else "--" + exc.param.replace(EXCLUDE_PREFIX, "exclude ")
        raise click.BadParameter(exc.message, param_hint=hint) from None
    target = _index_dir(index_dir)
    try:
        with open_engine(target) as engine:
            result = run_search(engine, request, settings=settings)
    except QuerySyntaxError as exc:
        pointer = " " * exc.position + "^"
        raise click.BadParameter(f"{exc.message}\n  {text}\n  {pointer}",
                                 param_hint="QUERY") from None
    except QueryTooExpensive as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from None
    except EngineError as exc:
        raise click.ClickException(str(exc)) from None

    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    _print_results(result)


def _print_results(result: Any) -> None:
    import shutil
    import textwrap

    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    bold = sys.stdout.isatty()
    req = result.request
    what = f'for "{req.q}"' if req.q.strip() else "in the archive"
    first = (req.page - 1) * req.size + 1
    shown = f"{first}-{first + len(result.hits) - 1}" if result.hits else "none"
    noun = "article" if result.total == 1 else "articles"
    click.echo(f"{result.total:,} {noun} {what} (showing {shown}, page {req.page} of "
               f"{result.pages}, {req.sort}, {result.took_ms:.0f} ms)")
    if result.fallback:
        click.echo("No article has all the words: showing articles with any of them.")
    if result.did_you_mean:
        click.echo(f'Did you mean: "{result.did_you_mean}"?')
    for number, hit in enumerate(result.hits, start=first):
        day = (hit.published or "undated")[:10]
        copies = f"  (+{len(hit.duplicates)} copies)" if hit.duplicates else ""
        click.echo("")
        click.echo(f"{number:>3}. {_plain(hit.title_html, bold)}{copies}")
        meta = " | ".join(x for x in (day, hit.publisher, ", ".join(hit.authors)) if x)
        click.echo(f"     {meta}   id {hit.id}")
        snippet = _plain(hit.snippet_html, bold)
        for line in textwrap.wrap(snippet, width - 5, max_lines=3, placeholder=" …"):
            click.echo(f"     {line}")


@main.command(epilog="""
\b
Examples:
  newsearch serve                       # http://127.0.0.1:5000/
  newsearch serve --port 8080 --index /srv/ix
\b
For production use gunicorn: gunicorn -w 2 'wsgi:app' (see README).
""")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True,
              help="Port to listen on.")
@click.option("--debug", is_flag=True, help="Flask debug mode (reloader, debugger): never in "
                                            "production.")
def serve(index_dir: Path | None, host: str, port: int, debug: bool) -> None:
    """Serve the web pages and the REST API with Flask's development server."""
    from newsearch.app import create_app

    overrides: dict[str, Any] = {"index": str(_index_dir(index_dir))}
    if debug:
        overrides["debug"] = True
    try:
        app = create_app(overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"newsearch: serving {overrides['index']} on http://{host}:{port}/ "
               f"(API under /api/v1)", err=True)
    app.run(host=host, port=port, debug=app.debug, use_reloader=app.debug)


if __name__ == "__main__":  # pragma: no cover
    main()
