"""The one atomic writer outside the store: symlinks written through, every error names the path.

Real files throughout. The full-disk case is a real write failure too: RLIMIT_FSIZE makes the
kernel refuse the write (EFBIG) exactly where ENOSPC would come, with no file name attached.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.files import write_file
from feeds.atomicfile import write_atomic
from feeds.subscriptions import ConfigError, add_subscription, load_subscriptions, remove_subscription, update_url

ROOT = Path(__file__).resolve().parents[2]

FEEDS = '# my dotfiles copy\n[[feed]]\nurl = "https://a.example/rss"   # keep me\n'


def dotfiles(tmp_path: Path, relative: bool = False) -> tuple[Path, Path]:
    """A home whose feeds.toml is a symlink into a dotfiles repo (another folder)."""
    repo = tmp_path / "dotfiles" / "chipwire"
    repo.mkdir(parents=True)
    target = repo / "feeds.toml"
    target.write_text(FEEDS, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    link = home / "feeds.toml"
    link.symlink_to(os.path.relpath(target, home) if relative else target)
    return link, target


def no_temp_files(*folders: Path) -> bool:
    return not [p for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("relative", [False, True])
def test_symlinked_feeds_toml_is_written_through(tmp_path: Path, relative: bool) -> None:
    link, target = dotfiles(tmp_path, relative)
    before = os.readlink(link)
    target.chmod(0o640)
    add_subscription(link, "https://b.example/rss")
    update_url(link, "https://a.example/rss", "https://a2.example/rss")
    assert link.is_symlink() and os.readlink(link) == before
    text = target.read_text(encoding="utf-8")
    assert text.startswith('# my dotfiles copy\n[[feed]]\nurl = "https://a2.example/rss"   # keep me\n')
    assert [s.url for s in load_subscriptions(link)] == ["https://a2.example/rss", "https://b.example/rss"]
    assert remove_subscription(link, "https://b.example/rss")
    assert link.is_symlink() and target.stat().st_mode & 0o777 == 0o640
    assert no_temp_files(link.parent, target.parent)


def test_a_chain_of_links_writes_the_final_target(tmp_path: Path) -> None:
    link, target = dotfiles(tmp_path)
    second = tmp_path / "home" / "feeds-link2.toml"
    second.symlink_to(link)
    written = write_atomic(second, b"x = 1\n")
    assert written == target.resolve() and target.read_bytes() == b"x = 1\n"
    assert second.is_symlink() and link.is_symlink()


def test_forced_overwrite_of_a_symlinked_output_writes_through(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    out = tmp_path / "digest.md"
    out.symlink_to(real)
    with pytest.raises(FileExistsError):
        write_file(out, b"new")  # not asked to replace: nothing written
    write_file(out, b"new", replace=True)
    assert out.is_symlink() and real.read_bytes() == b"new"


def test_symlinked_config_toml_is_read(tmp_path: Path) -> None:
    """chipwire never writes config.toml; a linked one is simply read through the link."""
    from core.settings import load_settings

    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "config.toml").write_text("[fetch]\nconcurrency = 7\n")
    (tmp_path / "config.toml").symlink_to(tmp_path / "repo" / "config.toml")
    assert load_settings(tmp_path / "config.toml").fetch.concurrency == 7


def test_is_a_directory_names_the_path(tmp_path: Path) -> None:
    target = tmp_path / "feeds.toml"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        write_atomic(target, b"x")
    assert info.value.filename == str(target)
    assert no_temp_files(tmp_path)
    with pytest.raises(ConfigError) as err:
        add_subscription(target, "https://b.example/rss")
    assert str(err.value).startswith(f"{target}: cannot read: Is a directory")


def test_a_missing_folder_names_the_path(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "out.md"
    with pytest.raises(FileNotFoundError) as info:
        write_file(target, b"x")
    assert info.value.filename == str(target)


_FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
sys.path.insert(0, {root!r})
from feeds.atomicfile import write_atomic
try:
    write_atomic({path!r}, b"x" * 100_000)
except OSError as exc:
    print(exc.errno, exc.filename, exc.strerror, sep="|")
"""


def test_a_failed_write_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text("old\n")
    done = subprocess.run([sys.executable, "-c", _FULL_DISK.format(root=str(ROOT), path=str(path))],
                          capture_output=True, text=True, timeout=60, check=True)
    code, filename, strerror = done.stdout.strip().split("|")
    assert int(code) == errno.EFBIG and filename == str(path) and strerror
    assert path.read_text() == "old\n" and no_temp_files(tmp_path)


def test_cli_full_disk_is_one_line_naming_feeds_toml(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, CHIPWIRE_HOME=str(home))
    env.pop("CHIPWIRE_CONFIG", None)
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256)); from tui.cli import main; "
            "sys.exit(main(['feeds', 'add', 'https://b.example/rss']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"chipwire: error: {home / 'feeds.toml'}: cannot write: File too large"


def test_cli_refresh_on_a_full_disk_names_the_store_file(tmp_path: Path) -> None:
    """The store keeps its own writer; its failed writes name their file too, in one line."""
    home = tmp_path / "home"
    home.mkdir()
    feed = tmp_path / "big.xml"
    items = "".join(f"<item><title>Story {n}</title><link>http://example.org/{n}</link><guid>g{n}</guid>"
                    f"<description>{'wafer ' * 40}</description></item>" for n in range(200))
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>')
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{feed}"\n', encoding="utf-8")
    env = dict(os.environ, CHIPWIRE_HOME=str(home))
    env.pop("CHIPWIRE_CONFIG", None)
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192)); from tui.cli import main; "
            "sys.exit(main(['refresh']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"chipwire: error: {home / 'db'}") and last.endswith("File too large"), done.stderr


def test_a_dangling_feeds_toml_link_is_an_error_naming_its_target(tmp_path: Path) -> None:
    """The dotfiles repo is not checked out (yet): the link points nowhere. Listing must not
    claim "0 subscriptions: the defaults", a refresh must not seed the defaults at the link's
    target, and both say which file is missing (exit 2)."""
    from feeds.subscriptions import read_subscriptions

    link, target = dotfiles(tmp_path)
    target.unlink()
    for load in (read_subscriptions, load_subscriptions):
        with pytest.raises(ConfigError) as err:
            load(link)
        assert str(err.value).startswith(f"{link}: ") and str(target) in str(err.value)
        assert "\n" not in str(err.value)
    env = dict(os.environ, CHIPWIRE_HOME=str(link.parent))
    env.pop("CHIPWIRE_CONFIG", None)
    for args in (["feeds", "list"], ["refresh"]):
        done = subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True,
                              text=True, env=env, timeout=120)
        assert done.returncode == 2, (args, done.stderr)
        assert str(target) in done.stderr and "Traceback" not in done.stderr
    assert link.is_symlink() and not target.exists()
