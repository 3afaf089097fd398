// Host-side build step of `xo-web build` (run with node): byte-compile wheels for Pyodide.
//
//   node pycompile.mjs PYODIDE_DIR OUT_DIR MODE WHEEL...
//
// Boots the npm Pyodide runtime in Node (offline: its files are local), so the bytecode is
// exactly what the browser's Python 3.14 runs. MODE "sourceless" replaces each .py by its .pyc
// (as Pyodide's own distribution does); MODE "hashed" keeps the sources and adds unchecked-hash
// .pyc files in __pycache__ (tracebacks keep their source lines). Either way the browser skips
// compiling at import, which is most of the cost of importing pydantic.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, outDir, mode, ...wheels] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
pyodide.FS.mkdirTree("/in");
pyodide.FS.mkdirTree("/out");
for (const wheel of wheels) {
  pyodide.FS.writeFile("/in/" + path.basename(wheel), fs.readFileSync(wheel));
}
pyodide.globals.set("MODE", mode);
pyodide.runPython(`
import base64, compileall, hashlib, io, os, py_compile, shutil, zipfile

FIXED_TIME = (2026, 1, 1, 0, 0, 0)

def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def compiled(name, data, tree):
    path = os.path.join(tree, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

for wheel in sorted(os.listdir("/in")):
    tree = "/work/" + wheel
    shutil.rmtree(tree, ignore_errors=True)
    with zipfile.ZipFile("/in/" + wheel) as archive:
        archive.extractall(tree)
    if MODE == "sourceless":
        compileall.compile_dir(tree, quiet=2, legacy=True, workers=1)
        for root, _, files in os.walk(tree):
            for file in files:
                if file.endswith(".py") and os.path.exists(os.path.join(root, file + "c")):
                    os.remove(os.path.join(root, file))
    else:
        compileall.compile_dir(
            tree, quiet=2, workers=1,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    files = []
    for root, _, names in os.walk(tree):
        for file in names:
            full = os.path.join(root, file)
            files.append(os.path.relpath(full, tree))
    files.sort()
    record_name = next(f for f in files if f.endswith(".dist-info/RECORD"))
    lines = []
    for name in files:
        if name == record_name:
            continue
        with open(os.path.join(tree, name), "rb") as f:
            data = f.read()
        lines.append(f"{name},{record_hash(data)},{len(data)}")
    lines.append(f"{record_name},,")
    with open(os.path.join(tree, record_name), "w") as f:
        f.write("\\n".join(lines) + "\\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(os.path.join(tree, name), "rb") as f:
                out.writestr(info, f.read())
    with open("/out/" + wheel, "wb") as f:
        f.write(buffer.getvalue())
`);
for (const wheel of wheels) {
  const name = path.basename(wheel);
  fs.writeFileSync(path.join(outDir, name), pyodide.FS.readFile("/out/" + name));
}
