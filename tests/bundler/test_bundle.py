"""The bundle builder (host side): lock entries, configs, the loader and the xo_web wheel."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

import xo_web
from tests.conftest import repo_bundle_inputs
from xo_web.bundler.bundle import BundleError, build_bundle, normalise_base_url
from xo_web.bundler.errors import IntegrityError
from xo_web.bundler.pins import BROWSER_WHEELS
from xo_web.bundler.wheels import build_xo_web_wheel, verified_wheels
from xo_web.facade.names import QUEUEABLE_JS_NAMES

INPUTS = repo_bundle_inputs()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle built for the URL path /assets/xo/."""
    return build_bundle(tmp_path_factory.mktemp("b") / "xo", INPUTS, base_url="assets/xo")


def test_lock_lists_exactly_the_served_wheels_with_their_real_sha256(bundle: Path) -> None:
    """Every lock entry names a file in the bundle whose sha256 matches: nothing from a CDN."""
    lock = json.loads((bundle / "pyodide" / "pyodide-lock.json").read_text())
    served = {p.name for p in (bundle / "pyodide").glob("*.whl")}
    assert {entry["file_name"] for entry in lock["packages"].values()} == served
    for entry in lock["packages"].values():
        data = (bundle / "pyodide" / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert "://" not in entry["file_name"]


def test_lock_dependencies_resolve_within_the_lock(bundle: Path) -> None:
    """Each ``depends`` names another entry, so loadPackage never looks elsewhere."""
    packages = json.loads((bundle / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    for entry in packages.values():
        for dependency in entry["depends"]:
            assert dependency in packages, (entry["name"], dependency)
    assert packages["xo-web"]["depends"] == ["pyodide-http"]


def test_lock_keeps_pydantic_off_the_boot_but_in_the_bundle(bundle: Path) -> None:
    """Booting xo-web loads no pydantic; its wheels stay listed, loaded on first need, and
    the xo_web wheel's own metadata still requires it (the full validator)."""
    packages = json.loads((bundle / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    assert "pydantic" not in packages["xo-web"]["depends"]
    assert (bundle / "pyodide" / packages["pydantic"]["file_name"]).is_file()
    assert (bundle / "pyodide" / packages["pydantic-core"]["file_name"]).is_file()
    with zipfile.ZipFile(bundle / "pyodide" / packages["xo-web"]["file_name"]) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith("METADATA"))
        assert "Requires-Dist: pydantic\n" in wheel.read(metadata).decode()


def test_lock_keeps_the_runtime_abi(bundle: Path) -> None:
    """The lock's ``info`` (ABI 2026_0) is the npm runtime's, which the loader checks."""
    info = json.loads((bundle / "pyodide" / "pyodide-lock.json").read_text())["info"]
    assert info["abi_version"] == "2026_0"


def test_pyscript_config_points_at_the_bundled_interpreter(bundle: Path) -> None:
    """pyscript.json resolves the interpreter under --base-url and loads xo_web."""
    config = json.loads((bundle / "pyscript.json").read_text())
    assert config["interpreter"] == "/assets/xo/pyodide/pyodide.mjs"
    assert config["packages"] == ["xo_web"]


def test_loader_carries_the_method_table(bundle: Path) -> None:
    """xo.js is generated with the queueable names from xo_web/facade/names.py."""
    loader = (bundle / "xo.js").read_text()
    assert json.dumps(list(QUEUEABLE_JS_NAMES)) in loader
    assert "__XO_" not in loader


def test_bundle_references_no_cdn(bundle: Path) -> None:
    """No file we write (loader, configs, lock) mentions a CDN host."""
    for name in ("xo.js", "pyscript.json", "pyodide/pyodide-lock.json", "bundle.json"):
        text = (bundle / name).read_text()
        assert "cdn." not in text, name
        assert "jsdelivr" not in text, name


def test_xo_web_wheel_holds_every_module_outside_the_host_only_folders(tmp_path: Path) -> None:
    """The browser wheel's modules are the package tree's, less xo_web/bundler/ and server/."""
    package = Path(xo_web.__file__).resolve().parent
    expected = {
        f"xo_web/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
        and path.relative_to(package).parts[0] not in ("bundler", "server")
    }
    wheel = build_xo_web_wheel(tmp_path)
    modules = {name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".py")}
    assert modules == expected


def test_xo_web_wheel_carries_no_build_tooling(tmp_path: Path) -> None:
    """Nothing under xo_web/bundler/ reaches the browser wheel."""
    wheel = build_xo_web_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert names
    assert not [name for name in names if name.startswith("xo_web/bundler/")]


def test_xo_web_wheel_carries_no_server_half(tmp_path: Path) -> None:
    """Nothing under xo_web/server/ (CPython only: sqlite3, psycopg, httpx2) reaches the wheel."""
    wheel = build_xo_web_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("xo_web/wire/") for name in names)
    assert not [name for name in names if name.startswith("xo_web/server/")]


def test_xo_web_wheel_is_reproducible(tmp_path: Path) -> None:
    """Two builds of the same sources give byte-identical wheels."""
    first = build_xo_web_wheel(tmp_path / "a").read_bytes()
    second = build_xo_web_wheel(tmp_path / "b").read_bytes()
    assert first == second


def test_build_refuses_to_clear_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    """A non-empty output folder without bundle.json is left alone."""
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(BundleError, match="refusing"):
        build_bundle(tmp_path, INPUTS)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_an_altered_cached_wheel_is_refused(tmp_path: Path) -> None:
    """A cached wheel whose sha256 differs from its pin stops the build."""
    for pin in BROWSER_WHEELS:
        (tmp_path / pin.file_name).write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="sha256"):
        verified_wheels(tmp_path)


@pytest.mark.parametrize(
    ("given", "expected"), [("/xo/", "/xo/"), ("xo", "/xo/"), ("/a/b", "/a/b/"), ("/", "/")]
)
def test_base_url_is_normalised(given: str, expected: str) -> None:
    """--base-url gets exactly one leading and one trailing slash."""
    assert normalise_base_url(given) == expected


def test_base_url_must_be_a_path() -> None:
    """A full URL is refused: the bundle is served from the page's own origin."""
    with pytest.raises(BundleError):
        normalise_base_url("https://cdn.example/xo/")


def test_third_party_wheels_ship_bytecode_without_sources(bundle: Path) -> None:
    """pydantic is served byte-compiled for Pyodide's Python, sourceless like Pyodide's own."""
    names = zipfile.ZipFile(bundle / "pyodide" / "pydantic-2.14.4-py3-none-any.whl").namelist()
    assert "pydantic/main.pyc" in names
    assert "pydantic/main.py" not in names


def test_xo_web_wheel_keeps_sources_beside_its_bytecode(bundle: Path) -> None:
    """xo_web ships its sources (for tracebacks) and unchecked-hash bytecode for 3.14."""
    [wheel] = (bundle / "pyodide").glob("xo_web-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "xo_web/tracker.py" in names
    assert "xo_web/__pycache__/tracker.cpython-314.pyc" in names


def test_unchanged_sources_reuse_the_compiled_cache(tmp_path: Path) -> None:
    """A second build with the same inputs compiles nothing and serves identical wheels."""
    first = build_bundle(tmp_path / "one", INPUTS)
    second = build_bundle(tmp_path / "two", INPUTS)
    for wheel in (first / "pyodide").glob("*.whl"):
        assert wheel.read_bytes() == (second / "pyodide" / wheel.name).read_bytes()


def test_the_wasm_and_scripts_ship_precompressed_and_the_wheels_do_not(bundle: Path) -> None:
    """The runtime's wasm and modules get .br and .gz; deflated wheels (no gain) get neither."""
    runtime = bundle / "pyodide"
    for name in ("pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide-lock.json"):
        assert (runtime / f"{name}.br").is_file(), name
        assert (runtime / f"{name}.gz").is_file(), name
    assert (bundle / "xo.js.br").is_file()
    assert not list(runtime.glob("*.whl.*"))
    assert (runtime / "pyodide.asm.wasm.br").stat().st_size < 0.35 * 9_000_000
