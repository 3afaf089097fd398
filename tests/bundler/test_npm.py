"""npm without npm: registry settings, Subresource Integrity, downloads, safe extraction."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from xo_web.bundler.errors import FetchError, IntegrityError
from xo_web.bundler.npm import (
    DEFAULT_REGISTRY,
    auth_headers,
    check_integrity,
    extract_package,
    fetch_tarball,
    integrity_of,
    npm_settings,
    registry_url,
)
from xo_web.bundler.pins import NpmPin


def make_tarball(path: Path, files: dict[str, bytes]) -> Path:
    """Write a gzipped tarball holding ``files`` (names as given)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_public_registry_is_the_default(tmp_path: Path) -> None:
    """With no environment and no .npmrc, the public npm registry is used."""
    settings = npm_settings(env={}, cwd=tmp_path, home=tmp_path)
    assert registry_url(settings) == DEFAULT_REGISTRY


def test_environment_beats_project_npmrc_which_beats_user_npmrc(tmp_path: Path) -> None:
    """npm_config_registry wins over the project's .npmrc, which wins over ~/.npmrc."""
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    (home / ".npmrc").write_text("registry=https://user.example/npm\n")
    assert registry_url(npm_settings({}, project, home)) == "https://user.example/npm/"
    (project / ".npmrc").write_text("; mirror\nregistry = https://project.example/\n")
    assert registry_url(npm_settings({}, project, home)) == "https://project.example/"
    env = {"npm_config_registry": "https://env.example/r"}
    assert registry_url(npm_settings(env, project, home)) == "https://env.example/r/"


def test_npm_config_userconfig_names_the_user_file(tmp_path: Path) -> None:
    """NPM_CONFIG_USERCONFIG points at another user .npmrc, with ${VAR} expanded."""
    (tmp_path / "custom").write_text("registry=https://${MIRROR}/npm/\n")
    env = {"NPM_CONFIG_USERCONFIG": str(tmp_path / "custom"), "MIRROR": "m.example"}
    assert registry_url(npm_settings(env, tmp_path, tmp_path)) == "https://m.example/npm/"


def test_an_auth_token_is_sent_only_to_its_registry() -> None:
    """A //host/path/:_authToken line becomes a bearer token for that registry alone."""
    settings = {"//m.example/npm/:_authToken": "secret"}
    assert auth_headers(settings, "https://m.example/npm/") == {"Authorization": "Bearer secret"}
    assert auth_headers(settings, "https://other.example/") == {}


def test_integrity_is_the_sri_string_npm_records(tmp_path: Path) -> None:
    """integrity_of gives sha512-<base64>; check_integrity refuses any other content."""
    file = tmp_path / "a.tgz"
    file.write_bytes(b"")
    empty = (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKH"
        "fuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )
    assert integrity_of(file) == empty
    check_integrity(file, empty)
    file.write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match=r"a\.tgz"):
        check_integrity(file, empty)


def test_fetch_tarball_uses_the_configured_registry_and_checks_it(tmp_path: Path) -> None:
    """The tarball comes from the registry in the settings, at npm's path, verified."""
    registry = tmp_path / "registry"
    (registry / "@scope" / "pkg" / "-").mkdir(parents=True)
    tarball = make_tarball(registry / "@scope/pkg/-/pkg-1.0.0.tgz", {"package/a.txt": b"a"})
    pin = NpmPin("@scope/pkg", "1.0.0", integrity_of(tarball))
    dest = tmp_path / "cache" / "pkg.tgz"
    fetch_tarball(pin, dest, {"registry": registry.as_uri()})
    assert dest.read_bytes() == tarball.read_bytes()


def test_a_tarball_that_does_not_match_its_pin_is_deleted(tmp_path: Path) -> None:
    """An altered download raises IntegrityError and leaves nothing in the cache."""
    registry = tmp_path / "registry"
    (registry / "pkg" / "-").mkdir(parents=True)
    make_tarball(registry / "pkg/-/pkg-1.0.0.tgz", {"package/a.txt": b"a"})
    dest = tmp_path / "cache" / "pkg.tgz"
    with pytest.raises(IntegrityError):
        fetch_tarball(NpmPin("pkg", "1.0.0", "sha512-AAAA"), dest, {"registry": registry.as_uri()})
    assert list(dest.parent.iterdir()) == []


def test_an_unreachable_registry_is_one_clear_fetch_error(tmp_path: Path) -> None:
    """A refused connection says what failed and what to do, in one line."""
    settings = {"registry": "http://127.0.0.1:9/"}
    with pytest.raises(FetchError, match="--offline") as caught:
        fetch_tarball(NpmPin("pkg", "1.0.0", "sha512-AAAA"), tmp_path / "p.tgz", settings)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "p.tgz.part").exists()


def test_extract_package_takes_the_package_folder(tmp_path: Path) -> None:
    """The tarball's package/ folder becomes ``dest``, replacing what was there."""
    tarball = make_tarball(tmp_path / "p.tgz", {"package/lib/a.js": b"a", "package/b": b"b"})
    dest = tmp_path / "out" / "pkg"
    dest.mkdir(parents=True)
    (dest / "stale").write_text("old")
    extract_package(tarball, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == [
        "b",
        "lib",
        "lib/a.js",
    ]
    assert [p.name for p in dest.parent.iterdir()] == ["pkg"]


def test_extract_refuses_an_entry_outside_the_folder(tmp_path: Path) -> None:
    """A tarball entry climbing out with .. is refused before anything is written."""
    tarball = make_tarball(tmp_path / "p.tgz", {"package/../../evil": b"x"})
    with pytest.raises(IntegrityError, match="unsafe"):
        extract_package(tarball, tmp_path / "out" / "pkg")
    assert not (tmp_path / "evil").exists()
