#!/usr/bin/env node
// Builds the runner's CLI and each connector into one file next to its compiled modules, after
// `tsc -b` (`npm run build` runs both). Node resolves, reads and compiles every module on its
// own (Node 20 has no compile cache), so the few hundred a connector or the runner loads cost
// more than their code: a bundle starts a connector in about two thirds of the CPU and the
// runner's modules in a third. Each bin/ entry imports its bundle through `importBundle`
// (@backflow/protocol/entry), which falls back to the compiled modules when the bundle is
// missing or older than a build it was made from, so a `tsc -b` alone never runs stale code.
// Bundles are CommonJS, run as scripts with V8's code cache of each file written next to it
// (scripts/code-cache.mjs, `.cjs` → `.cache`); a cache another Node refuses, or a copy lacks,
// only costs the compile it would have saved.
//
//   node scripts/bundle.mjs                     the runner and every connectors/* with bin/main.js
//   node scripts/bundle.mjs source-postgres     some of them, by folder name (runner: "runner")
//
// Writes <package>/dist/bundle.json ({ file, codeCache, builtFrom }) last: its time is the bundle's.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSha1 } from '../protocol/dist/entry-script.cjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = join(REPO_ROOT, 'node_modules');

/** The packages to bundle: name, folder, the entry module's source and where the bundle goes. */
function targets(names) {
  const connectors = readdirSync(join(REPO_ROOT, 'connectors')).filter(
    (name) =>
      existsSync(join(REPO_ROOT, 'connectors', name, 'bin', 'main.js')) &&
      existsSync(join(REPO_ROOT, 'connectors', name, 'dist', 'index.js')),
  );
  const all = [
    {
      name: 'runner',
      dir: join(REPO_ROOT, 'runner'),
      // Its modules find files by paths relative to dist/<folder>/, so the bundle sits one folder down.
      entry: `export { main } from ${JSON.stringify(join(REPO_ROOT, 'runner', 'dist', 'cli', 'main.js'))};`,
      out: { dir: 'dist/bundle', file: 'main.cjs', codeSplitting: true },
    },
    ...connectors.map((name) => {
      const dir = join(REPO_ROOT, 'connectors', name);
      return {
        name,
        dir,
        connector: true,
        // What bin/main.js takes from the compiled modules: the SDK's runner and the definition.
        entry: [
          `export { runConnector } from '@backflow/protocol/connector';`,
          `export * from ${JSON.stringify(join(dir, 'dist', 'index.js'))};`,
        ].join('\n'),
        // Next to dist/index.js, for spec.json and other paths relative to it.
        out: { dir: 'dist', file: 'bundle.cjs', codeSplitting: false },
      };
    }),
  ];
  if (names.length === 0) return all;
  const unknown = names.filter((name) => !all.some((t) => t.name === name));
  if (unknown.length > 0) throw new Error(`nothing to bundle named ${unknown.join(', ')}`);
  return all.filter((t) => names.includes(t.name));
}

/** The package name of a bare specifier or path below node_modules: `@scope/name` or `name`. */
function packageName(path, separator = '/') {
  const parts = path.split(separator);
  return parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join(separator);
}

const NODE_MODULES_PART = `${sep}node_modules${sep}`;

/** The folder of the installed package a resolved file belongs to, or undefined outside node_modules. */
function packageDir(file) {
  const at = file.lastIndexOf(NODE_MODULES_PART);
  if (at < 0) return undefined;
  return file.slice(0, at + NODE_MODULES_PART.length) + packageName(file.slice(at + NODE_MODULES_PART.length), sep);
}

// Left outside and loaded as installed: packages with native addons (found below), and these,
// which load their parts on first use from hundreds of files (bundled: 10 MB parsed at start).
const EXTERNAL = new Set(['@hubspot/api-client']);

const nativeCache = new Map();
/** True for a package with a native addon (binding.gyp or a .node file): it stays outside, loaded as installed. */
function isNative(dir) {
  if (!nativeCache.has(dir)) {
    const search = (folder) =>
      readdirSync(folder, { withFileTypes: true }).some((entry) =>
        entry.isDirectory()
          ? entry.name !== 'node_modules' && search(join(folder, entry.name))
          : entry.name === 'binding.gyp' || entry.name.endsWith('.node'),
      );
    nativeCache.set(dir, search(dir));
  }
  return nativeCache.get(dir);
}

const PG_STREAM = join('node_modules', 'pg', 'lib', 'stream.js');
const CLOUDFLARE_PROBE = 'if (isCloudflareRuntime()) {';

/**
 * pg asks whether it runs in a Cloudflare Worker by constructing a `Response`, which on Node 20
 * (no `navigator`) loads undici: about 30 ms of CPU in every process that connects. Bundles run
 * on Node only, so the probe goes. A pg whose code no longer matches fails the build, not the gain.
 */
function withoutCloudflareProbe(code, id) {
  if (!code.includes(CLOUDFLARE_PROBE))
    throw new Error(`${id}: no \`${CLOUDFLARE_PROBE}\` to remove; update scripts/bundle.mjs`);
  return code.replace(CLOUDFLARE_PROBE, 'if (false) {');
}

const DOCKER_MODEM = join('node_modules', 'docker-modem', 'lib', 'modem.js');
const SSH_REQUIRE = "ssh = require('./ssh'),";

/**
 * docker-modem requires its SSH transport (ssh2 and its ciphers) when it loads, for DOCKER_HOST
 * ssh:// only: most of the CPU dockerode costs a Docker sync before its first container. Bundles
 * require it when a request first needs it. A docker-modem whose code no longer matches fails
 * the build, not the gain.
 */
function withLazySsh(code, id) {
  if (!code.includes(SSH_REQUIRE)) throw new Error(`${id}: no \`${SSH_REQUIRE}\` to defer; update scripts/bundle.mjs`);
  return code.replace(SSH_REQUIRE, "ssh = (options) => require('./ssh')(options),");
}

const SHARED_AJV = join('protocol', 'dist', 'validation', 'shared-ajv.js');
const AJV_PACKAGES = ['ajv', 'ajv-formats'];

/**
 * Ajv itself is left out of connectors' bundles, required where @backflow/protocol (which
 * depends on it) is installed: a connector loads it only for a schema without generated code
 * (its config's and the protocol's have theirs), yet it was a quarter of each bundle, its
 * compiled code read from the code cache at every start. What the generated validators
 * require of Ajv (its run-time helpers, the formats) stays in. A shared-ajv.js whose code no
 * longer matches fails the build.
 */
function withAjvFromProtocol(code, id) {
  const fromProtocol = "require('node:module').createRequire(require.resolve('@backflow/protocol/entry'))";
  return AJV_PACKAGES.reduce((text, name) => {
    const call = `require('${name}')`;
    if (!text.includes(call)) throw new Error(`${id}: no \`${call}\` to leave out; update scripts/bundle.mjs`);
    return text.replace(call, `${fromProtocol}('${name}')`);
  }, code);
}

const GENERATED_VALIDATORS = join('protocol', 'dist', 'generated', 'validators.js');
/** The comment scripts/gen-types.mjs puts before each validator of a fixed schema, naming its file. */
const VALIDATOR_MARKER = /^ *\/\/ (connectors\/[^/\n]+\/spec\.json|runner\/schemas\/[^/\n]+\.json)\n/gm;

/**
 * The generated validators, keeping of the fixed schemas' only the connector's own config
 * validator and checked spec: the other connectors' and the runner's were half of each
 * connector's bundle, parsed at every start. The runner's bundle keeps them all. A module
 * whose layout no longer matches fails the build.
 */
function withOwnConfigValidator(code, id, connector) {
  const markers = [...code.matchAll(VALIDATOR_MARKER)];
  const own = `connectors/${connector}/spec.json`;
  // An entry runs to the next one's marker, or to the end of its Map or Set.
  const collectionEnd = (marker) => code.indexOf('\n]);', marker.index);
  const ownEnds = markers.filter((m) => m[1] === own).map(collectionEnd);
  if (markers.length < 2 || new Set(ownEnds).size !== ownEnds.length)
    throw new Error(`${id}: not the layout scripts/bundle.mjs expects (one \`// <schema file>\` line per entry)`);
  let kept = '';
  let from = 0;
  for (const [i, marker] of markers.entries()) {
    const mapEnd = collectionEnd(marker);
    const end = Math.min(markers[i + 1]?.index ?? mapEnd, mapEnd + 1);
    if (marker[1] === own) continue;
    kept += code.slice(from, marker.index);
    from = end;
  }
  return kept + code.slice(from);
}

/** The workspace folders package.json lists (`connectors/*` expanded). */
const WORKSPACES = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(join(REPO_ROOT, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name))
    : [pattern],
);

const versions = new Map();
function version(folder) {
  if (!versions.has(folder))
    versions.set(folder, JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version);
  return versions.get(folder);
}

let holders;
/** Where npm puts a package: the root's node_modules, a workspace's, or nested in another package's. */
function packageHolders() {
  if (!holders) {
    const rootModules = join(REPO_ROOT, 'node_modules');
    holders = [REPO_ROOT, ...WORKSPACES.map((folder) => join(REPO_ROOT, folder))];
    for (const entry of readdirSync(rootModules)) {
      const names = entry.startsWith('@') ? readdirSync(join(rootModules, entry)).map((n) => join(entry, n)) : [entry];
      // Workspace packages are linked there: their own folders are listed already.
      const folders = names.map((name) => join(rootModules, name));
      holders.push(...folders.filter((folder) => !lstatSync(folder).isSymbolicLink()));
    }
  }
  return holders;
}

const copies = new Map();
/**
 * The installed copy of the package in `dir` that every copy of the same name and version is
 * bundled as: npm leaves duplicates where it cannot hoist (ajv-formats has its own ajv 8 next
 * to the protocol's), and each would be parsed at every start. The first path in order, so
 * every build picks the same one.
 */
function canonicalCopy(dir) {
  const name = packageName(dir.slice(dir.lastIndexOf(NODE_MODULES_PART) + NODE_MODULES_PART.length), sep);
  if (!copies.has(name)) {
    const folders = packageHolders()
      .map((holder) => join(holder, 'node_modules', name))
      .filter((folder) => existsSync(join(folder, 'package.json')));
    copies.set(name, folders.sort());
  }
  return copies.get(name).find((folder) => version(folder) === version(dir)) ?? dir;
}

// dockerode loads its BuildKit session support (gRPC and protobuf, ~1 MB) when it is first
// required, for `buildImage` with version 2 only; the runner never builds an image, and parsing
// it cost a Docker sync ~0.1-0.2 s of CPU before its first container. Its BuildKit progress
// decoder (protobuf, for `followProgress`) is required lazily, but its code and code cache
// still cost every Docker sync ~15 ms of CPU to load. Bundles get stand-ins that say so if
// they are ever called.
const DOCKERODE_STUBS = new Map([
  [
    './session',
    `module.exports = function withSession() {
  throw new Error('BuildKit sessions are left out of Backflow bundles: build images with the Docker CLI or dockerode as installed');
};`,
  ],
  [
    './buildkit',
    `exports.followProgress = function followProgress() {
  throw new Error('BuildKit progress is left out of Backflow bundles: build images with the Docker CLI or dockerode as installed');
};`,
  ],
]);
const DOCKERODE_STUB_ID = '\0dockerode-stub:';

/** Rolldown plugin: the entry module, native packages left external, lazy requires made visible. */
function bundlePlugin(target) {
  const ENTRY = '\0backflow-bundle-entry';
  return {
    name: 'backflow-bundle',
    async resolveId(source, importer) {
      if (source === ENTRY) return ENTRY;
      if (DOCKERODE_STUBS.has(source) && importer && packageDir(importer)?.endsWith(`${sep}dockerode`))
        return DOCKERODE_STUB_ID + source;
      if (/^[./]/.test(source) || source.startsWith('node:') || source.startsWith('\0')) return null;
      if (EXTERNAL.has(packageName(source))) return { id: source, external: true };
      const resolved = await this.resolve(source, importer === ENTRY ? join(target.dir, 'x.js') : importer, {
        skipSelf: true,
      });
      const dir = resolved && !resolved.external ? packageDir(resolved.id) : undefined;
      if (!dir) return null;
      if (isNative(dir)) return { id: source, external: true };
      const canonical = canonicalCopy(dir);
      return canonical === dir ? null : join(canonical, relative(dir, resolved.id));
    },
    load(id) {
      if (id.startsWith(DOCKERODE_STUB_ID)) return DOCKERODE_STUBS.get(id.slice(DOCKERODE_STUB_ID.length));
      return id === ENTRY ? target.entry : null;
    },
    transform(original, id) {
      if (id.endsWith(PG_STREAM)) return withoutCloudflareProbe(original, id);
      if (id.endsWith(DOCKER_MODEM)) return withLazySsh(original, id);
      let code = original;
      if (target.connector && id.endsWith(SHARED_AJV)) code = withAjvFromProtocol(code, id);
      if (target.connector && id.endsWith(GENERATED_VALIDATORS)) code = withOwnConfigValidator(code, id, target.name);
      // Packages loaded on first use (`const require = createRequire(import.meta.url)`, e.g.
      // ajv, pg) are required inside functions: once visible as plain `require`, they are
      // bundled and still run only when first required.
      const hidden = 'const require = createRequire(import.meta.url);';
      code = code.replace(hidden, '');
      return code === original ? null : code;
    },
  };
}

/** Every file whose change makes the bundle stale: the builds of the workspace packages in it, and installs. */
function builtFrom(target, moduleIds) {
  const inputs = new Set([join(NODE_MODULES, '.package-lock.json')]);
  for (const id of moduleIds) {
    if (id.startsWith('\0') || id.includes(`${sep}node_modules${sep}`)) continue;
    for (let dir = dirname(id); dir.startsWith(REPO_ROOT) && dir !== REPO_ROOT; dir = dirname(dir)) {
      if (existsSync(join(dir, 'tsconfig.tsbuildinfo'))) {
        inputs.add(join(dir, 'tsconfig.tsbuildinfo'));
        break;
      }
    }
  }
  const manifestDir = join(target.dir, 'dist');
  return [...inputs].sort().map((file) => relative(manifestDir, file).split(sep).join('/'));
}

/** What a one-file bundle may have left in its folder, in this layout or an older one. */
const STANDALONE_FILES = ['bundle.js', 'bundle.cjs', 'bundle.cache'];

/**
 * Writes the code cache of each bundle file (scripts/code-cache.mjs), the entry first; gives
 * the manifest's `codeCache`: each file's SHA-1, by its path relative to the manifest.
 */
function writeCodeCaches(files, manifestDir) {
  for (const file of files) {
    if (/\bimport\(/.test(readFileSync(file, 'utf8')))
      throw new Error(`${file}: \`import()\` cannot run in a script bundle; update scripts/bundle.mjs`);
  }
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'code-cache.mjs'), ...files], { stdio: 'inherit' });
  return Object.fromEntries(
    files.map((file) => [relative(manifestDir, file).split(sep).join('/'), bundleSha1(readFileSync(file))]),
  );
}

async function bundle(target, rolldown) {
  const outDir = join(target.dir, target.out.dir);
  // A bundle of another layout (or older chunks) must not be left behind.
  await rm(join(target.dir, 'dist', 'bundle.json'), { force: true });
  if (target.out.codeSplitting) await rm(outDir, { recursive: true, force: true });
  else for (const file of STANDALONE_FILES) await rm(join(outDir, file), { force: true });
  const build = await rolldown({
    input: { [basename(target.out.file, '.cjs')]: '\0backflow-bundle-entry' },
    platform: 'node',
    plugins: [bundlePlugin(target)],
    // Bundled CommonJS packages may reach for optional peers they do not have (pg-native).
    onLog(level, log, handler) {
      if (log.code === 'UNRESOLVED_IMPORT' || log.code === 'EVAL' || log.code === 'CIRCULAR_DEPENDENCY') return;
      handler(level, log);
    },
  });
  try {
    const { output } = await build.write({
      dir: outDir,
      // CommonJS, run as scripts with V8's code cache made below (@backflow/protocol/entry):
      // Node 20 caches no compiled code, and its ES module loader costs every file a resolve,
      // an asynchronous read and a compile.
      format: 'cjs',
      // A script has no module loader for `import()`: chunks and externals (all CommonJS) are required.
      dynamicImportInCjs: false,
      entryFileNames: '[name].cjs',
      chunkFileNames: 'chunk-[hash].cjs',
      codeSplitting: target.out.codeSplitting,
      // ASCII only: one non-ASCII character (a dash in a comment) makes Node decode the whole
      // file the slow way and V8 hold and scan it as two-byte text, at every start.
      charset: 'ascii',
      // Comments are read at every start and do nothing at run time; licences stay.
      comments: { legal: true, annotation: false, jsdoc: false },
    });
    const moduleIds = output.flatMap((chunk) => chunk.moduleIds ?? []);
    const manifestDir = join(target.dir, 'dist');
    const entry = join(outDir, target.out.file);
    const chunks = output
      .filter((chunk) => chunk.type === 'chunk' && !chunk.isEntry)
      .map((c) => join(outDir, c.fileName));
    const codeCache = writeCodeCaches([entry, ...chunks], manifestDir);
    const file = relative(manifestDir, entry).split(sep).join('/');
    await writeFile(
      join(manifestDir, 'bundle.json'),
      JSON.stringify({ file, codeCache, builtFrom: builtFrom(target, moduleIds) }, null, 2) + '\n',
    );
    const bytes = output.reduce((sum, chunk) => sum + (chunk.code?.length ?? 0), 0);
    return { files: output.length, bytes };
  } finally {
    await build.close();
  }
}

async function main(names) {
  let rolldown;
  try {
    ({ rolldown } = await import('rolldown'));
  } catch {
    // The entry points run their compiled modules without a bundle, only slower to start.
    process.stderr.write('bundle: rolldown is not installed; entry points will load their compiled modules\n');
    return;
  }
  for (const target of targets(names)) {
    if (!existsSync(join(target.dir, 'dist'))) throw new Error(`${target.name} has no dist/: run \`tsc -b\` first`);
    const { files, bytes } = await bundle(target, rolldown);
    process.stdout.write(`bundled ${target.name}: ${files} file(s), ${(bytes / 1024).toFixed(0)} kB\n`);
  }
}

await main(process.argv.slice(2));
