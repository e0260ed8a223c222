"""Searches run concurrently in one process (gunicorn's threaded workers): the shared text
analysis must be thread-safe. The load test found the Snowball stemmer was not (it keeps
the word being stemmed in the stemmer object): two threads stemming at once gave wrong
stems or an IndexError, a 500 for the user."""

from __future__ import annotations

import threading

from reliability_support import VOCABULARY

from newsearch import analysis


def test_stemming_from_many_threads_gives_the_same_stems() -> None:
    words = [w + suffix for w in VOCABULARY for suffix in ("", "ing", "ations", "ness")]
    expected = {w: analysis.stem(w) for w in words}
    errors: list[str] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for _ in range(3):
            analysis.stem.cache_clear()  # make every call really stem
            for w in words[offset:] + words[:offset]:
                try:
                    got = analysis.stem(w)
                except Exception as exc:  # noqa: BLE001 - what the race raised
                    errors.append(f"{w}: {type(exc).__name__}: {exc}")
                    continue
                if got != expected[w]:
                    errors.append(f"{w}: {got!r} != {expected[w]!r}")

    threads = [threading.Thread(target=work, args=(i * 997,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], f"{len(errors)} wrong stems, e.g. {errors[:3]}"
