"""iter_files: sorted walk, hidden files, unsupported types, symlink loops, odd names."""

from __future__ import annotations

import os
from pathlib import Path

from newsearch.ingest import SKIP_REASONS
from newsearch.ingest.walk import FileEntry, Skipped, is_unsupported, iter_files


def touch(path: Path, text: str = "Title\n\nBody.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def names(entries: list[FileEntry | Skipped], root: Path) -> list[str]:
    return [e.path.relative_to(root).as_posix() for e in entries if isinstance(e, FileEntry)]


def skipped(entries: list[FileEntry | Skipped], root: Path) -> dict[str, str]:
    return {e.path.relative_to(root).as_posix(): e.reason for e in entries
            if isinstance(e, Skipped)}


def test_sorted_walk_hidden_and_unsupported(tmp_path: Path) -> None:
    for name in ["b/2.txt", "b/1.json", "a.txt", "c/d/e.html", ".hidden.txt", ".git/config",
                 "photo.JPG", "scan.pdf", "story.txt.gz", "README.md", "x/.cache/y.txt"]:
        touch(tmp_path / name)
    entries = list(iter_files([tmp_path]))
    assert names(entries, tmp_path) == ["a.txt", "b/1.json", "b/2.txt", "c/d/e.html",
                                        "story.txt.gz"]
    assert skipped(entries, tmp_path) == {"README.md": "unsupported-type",
                                          "photo.JPG": "unsupported-type",
                                          "scan.pdf": "unsupported-type"}
    for entry in entries:
        if isinstance(entry, Skipped):
            assert entry.reason in SKIP_REASONS and entry.message


def test_single_file_is_yielded_as_is(tmp_path: Path) -> None:
    picture = touch(tmp_path / "odd.png")
    assert list(iter_files([picture])) == [FileEntry(picture)]
    missing = tmp_path / "missing.txt"
    [entry] = list(iter_files([missing]))
    assert isinstance(entry, Skipped) and entry.reason == "not-found"


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    touch(tmp_path / "root/a/story.txt")
    (tmp_path / "root/a/loop").symlink_to(tmp_path / "root")
    (tmp_path / "root/a/self").symlink_to(tmp_path / "root/a/self")
    (tmp_path / "root/broken").symlink_to(tmp_path / "nowhere")
    entries = list(iter_files([tmp_path / "root"]))
    root = tmp_path / "root"
    assert names(entries, root) == ["a/story.txt"]
    assert skipped(entries, root) == {"a/loop": "symlink-loop", "a/self": "symlink-loop",
                                      "broken": "unreadable"}


def test_symlinked_folder_is_walked_under_its_link_name(tmp_path: Path) -> None:
    touch(tmp_path / "real/story.txt")
    (tmp_path / "top").mkdir()
    (tmp_path / "top/linked").symlink_to(tmp_path / "real")
    entries = list(iter_files([tmp_path / "top"]))
    assert [e.path for e in entries] == [tmp_path / "top/linked/story.txt"]


def test_odd_names(tmp_path: Path) -> None:
    touch(tmp_path / "with space (2).txt")
    touch(tmp_path / "caf\u00e9 \u65b0\u805e.txt")
    raw = os.fsencode(str(tmp_path)) + b"/latin-\xe9.txt"
    with open(raw, "wb") as handle:
        handle.write(b"Title\n\nBody.\n")
    entries = list(iter_files([tmp_path]))
    assert len([e for e in entries if isinstance(e, FileEntry)]) == 3
    for entry in entries:
        assert entry.path.exists()


def test_unreadable_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    touch(locked / "a.txt")
    locked.chmod(0)
    try:
        entries = list(iter_files([tmp_path]))
    finally:
        locked.chmod(0o755)
    if os.geteuid() == 0:  # root lists anything
        assert names(entries, tmp_path) == ["locked/a.txt"]
    else:
        assert skipped(entries, tmp_path) == {"locked": "unreadable"}


def test_is_unsupported() -> None:
    assert is_unsupported("a.PNG") and is_unsupported("a.pdf.gz") and is_unsupported("LICENSE")
    assert not is_unsupported("a.txt") and not is_unsupported("a.json.gz")
    assert not is_unsupported("noextension") and not is_unsupported("reut2-000.sgm")
