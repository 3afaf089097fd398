"""The one place that pins what the browser bundle ships: Pyodide, PyScript and the wheels.

Host-only: read by ``xo-web fetch`` and ``xo-web build``. The npm integrity hashes are the ones
``package-lock.json`` records (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

PYODIDE_VERSION = "314.0.7"
PYSCRIPT_VERSION = "0.7.31"
PYODIDE_ABI = "2026_0"
PYODIDE_PYTHON = "3.14"
EMSCRIPTEN_PLATFORM = f"pyemscripten_{PYODIDE_ABI}_wasm32"


@dataclass(frozen=True)
class NpmPin:
    """An npm package the bundle ships files of, pinned by version and tarball integrity."""

    name: str
    version: str
    integrity: str  # Subresource Integrity, "sha512-<base64>", as npm records it

    @property
    def tarball_path(self) -> str:
        """The tarball's path below the registry URL, as npm lays it out."""
        return f"{self.name}/-/{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"


PYODIDE_NPM = NpmPin(
    "pyodide",
    PYODIDE_VERSION,
    "sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A==",
)
PYSCRIPT_NPM = NpmPin(
    "@pyscript/core",
    PYSCRIPT_VERSION,
    "sha512-GqM1aonc1N4RTkNZ1zJ8jJk8+i2cqeztZslPsAiQtn+wHHkUX9Z1FgIg4HjCvhBylB68UKmbTVTzOobpgPIMVQ==",
)
NPM_PACKAGES: tuple[NpmPin, ...] = (PYODIDE_NPM, PYSCRIPT_NPM)


@dataclass(frozen=True)
class WheelPin:
    """A wheel the bundle serves next to Pyodide, with what its lock entry needs."""

    name: str
    version: str
    file_name: str
    sha256: str
    imports: tuple[str, ...]
    depends: tuple[str, ...] = ()

    @property
    def platform(self) -> str | None:
        """The binary platform tag to download for, or None for a pure wheel."""
        return EMSCRIPTEN_PLATFORM if EMSCRIPTEN_PLATFORM in self.file_name else None


BROWSER_WHEELS: tuple[WheelPin, ...] = (
    WheelPin(
        "pydantic",
        "2.14.4",
        "pydantic-2.14.4-py3-none-any.whl",
        "653a2ad9f6d8858529c77c72717d0ea991d6c6837fe683246b2f4b2bbfc3fadc",
        ("pydantic",),
        ("pydantic-core", "typing-extensions", "typing-inspection", "annotated-types"),
    ),
    WheelPin(
        "pydantic-core",
        "2.50.5",
        f"pydantic_core-2.50.5-cp314-cp314-{EMSCRIPTEN_PLATFORM}.whl",
        "b2910ec0fa5aeb9bef70156f2b79f4783978fdcfaa7b2f1b5d1814458d2e79a1",
        ("pydantic_core",),
        ("typing-extensions",),
    ),
    WheelPin(
        "typing-extensions",
        "4.16.0",
        "typing_extensions-4.16.0-py3-none-any.whl",
        "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
        ("typing_extensions",),
    ),
    WheelPin(
        "typing-inspection",
        "0.4.5",
        "typing_inspection-0.4.5-py3-none-any.whl",
        "bc210535442b39e1bf2805e0c7a17dfd6a4ace760c84c7f7d16245d23a6b1c39",
        ("typing_inspection",),
        ("typing-extensions",),
    ),
    WheelPin(
        "annotated-types",
        "0.8.0",
        "annotated_types-0.8.0-py3-none-any.whl",
        "f072f4d804ea359e4eaf198b1af7a8b0943881a87f31bb764f8bf219bb9419e0",
        ("annotated_types",),
    ),
    WheelPin(
        "pyodide-http",
        "0.2.2",
        "pyodide_http-0.2.2-py3-none-any.whl",
        "cf006ea593c1643b5badeb4d42ed24a6eebd830276171fa1f82de0777b3fb608",
        ("pyodide_http",),
    ),
    WheelPin(
        "micropip",
        "0.11.1",
        "micropip-0.11.1-py3-none-any.whl",
        "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3",
        ("micropip",),
    ),
)

# What the xo_web wheel itself needs at run time in the browser (its metadata says so).
XO_WEB_DEPENDS: tuple[str, ...] = ("pydantic", "pyodide-http")
# What booting it loads: the bundle's lock entry of xo-web depends on these only. pydantic
# stays in the bundle and its lock, loaded on the first call that needs the full validator
# (xo_web/adapters/validation.py), or at boot by a page that lists it in its own packages.
XO_WEB_BOOT_DEPENDS: tuple[str, ...] = tuple(n for n in XO_WEB_DEPENDS if n != "pydantic")
