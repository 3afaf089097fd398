#!/usr/bin/env node
// Bundle the reference JS SDK (@attraqt/activity, browser build) into one IIFE file
// that defines `window.AttraqtReference` = the package's browser exports:
//   { Activity, activity, init }
//     Activity  - the ActivityBrowser class (new AttraqtReference.Activity())
//     activity  - the module's default instance (drained window._attraqt at load)
//     init      - init({activity: {trackerKey, region}}) -> activity.init(...)
//
// Usage: node scripts/build-reference-sdk.mjs [out-file]
//        (default: build/reference/attraqt-activity.js, relative to the repo root)
//
// Offline: resolves everything from the repo's node_modules (devDependencies
// @attraqt/activity and esbuild, pinned exactly in package.json / package-lock.json).
// Not minified, so the parity tests can read the reference code they run.
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.resolve(process.cwd(), process.argv[2] || path.join(root, 'build/reference/attraqt-activity.js'));

const require = createRequire(path.join(root, 'package.json'));
const pkgJson = JSON.parse(readFileSync(require.resolve('@attraqt/activity/package.json'), 'utf8'));
const EXPECTED = '1.7.1';
if (pkgJson.version !== EXPECTED) {
  console.error(`@attraqt/activity is ${pkgJson.version}, expected ${EXPECTED}; run npm ci`);
  process.exit(1);
}

mkdirSync(path.dirname(outfile), { recursive: true });

const result = await build({
  absWorkingDir: root,
  // A CommonJS entry so the IIFE's value is exactly the package's module.exports.
  // platform "browser" makes esbuild honour the package.json "browser" fields
  // (@attraqt/activity -> dist/buildTargets/browser.js, uuid -> esm-browser).
  stdin: {
    contents: "module.exports = require('@attraqt/activity');\n",
    resolveDir: root,
    sourcefile: 'attraqt-reference-entry.js',
    loader: 'js',
  },
  bundle: true,
  format: 'iife',
  globalName: 'AttraqtReference',
  platform: 'browser',
  target: 'es2017',
  minify: false,
  sourcemap: false,
  legalComments: 'inline',
  charset: 'utf8',
  banner: {
    js: `/* Reference SDK for parity tests: @attraqt/activity@${pkgJson.version} (browser build), bundled by esbuild. Exposes window.AttraqtReference = {Activity, activity, init}. */`,
  },
  outfile,
  write: true,
  metafile: true,
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('<stdin>'));
if (inputs.some((p) => /http-client-node|storage-memory|node:/.test(p))) {
  console.error('unexpected Node-only module in the browser bundle:', inputs);
  process.exit(1);
}
console.log(`wrote ${outfile} (${inputs.length} modules)`);
