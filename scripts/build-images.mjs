#!/usr/bin/env node
// Builds connector images tagged backflow/<package name without scope>:<package version>.
//
//   node scripts/build-images.mjs                      every connectors/* that has bin/main.js
//   node scripts/build-images.mjs destination-postgres  connectors by name
//   node scripts/build-images.mjs test/fixtures/connectors/echo   or by folder
//
// Each connector keeps a standard Dockerfile (`ARG BASE_IMAGE=node:20-slim`,
// `FROM ${BASE_IMAGE}`, `COPY . /app/`). This is an npm-workspaces monorepo, so the build
// context is staged: the connector's package.json, bin/, dist/ and spec.json, plus the
// production node_modules it needs, found by walking package.json dependencies the way
// Node resolves them and copied from the repository's node_modules (workspace packages as
// their published `files`). When node:20-slim is not present locally, the offline base from
// scripts/build-base-image.sh is used instead. Nothing is pulled.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Docker from 'dockerode';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_BASE_IMAGE = 'node:20-slim';
const OFFLINE_BASE_IMAGE = 'backflow/node-base:20';
const CONNECTOR_ENTRIES = ['package.json', 'bin', 'dist', 'spec.json'];
// Type declarations, TypeScript sources, source maps and docs are never loaded at run time,
// and the classic builder spends most of its time per file (11k files: 50 s; one: 9 s).
const BUILD_ONLY_FILE = /\.([mc]?ts|map|md|markdown)$/i;
const BUILD_ONLY_DIR = new Set(['.github']);

/** True for directory entries the image needs. */
function runtimeFile(name) {
  return !BUILD_ONLY_FILE.test(name) && !BUILD_ONLY_DIR.has(name);
}

/** Reads and parses `<dir>/package.json`. */
async function readPackage(dir) {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
}

async function exists(path) {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function isInside(parent, child) {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Copies into `stageDir` what the image needs to run the connector in `connectorDir`:
 * its own files and every production dependency, laid out so that Node resolves each one
 * from /app exactly as it does in the repository. Returns the staged packages.
 */
export async function stageConnector(connectorDir, stageDir, { repoRoot = REPO_ROOT } = {}) {
  const pkg = await readPackage(connectorDir);
  if ((await exists(join(connectorDir, 'src'))) && !(await exists(join(connectorDir, 'dist')))) {
    throw new Error(`${connectorDir} has src/ but no dist/: run \`npm run build\` first`);
  }
  for (const entry of CONNECTOR_ENTRIES) {
    if (await exists(join(connectorDir, entry))) {
      await stageTree(join(connectorDir, entry), join(stageDir, entry));
    }
  }

  // Real directories whose node_modules Node searches, mapped to where they land in the stage.
  const root = await realpath(repoRoot);
  const workspaceStage = new Map([[await realpath(connectorDir), stageDir]]);
  const stageOf = (dir) => {
    for (const [workspace, staged] of workspaceStage) {
      if (isInside(workspace, dir)) return join(staged, relative(workspace, dir));
    }
    if (isInside(join(root, 'node_modules'), dir) || dir === root) {
      return join(stageDir, relative(root, dir));
    }
    return undefined;
  };

  const staged = new Map(); // stage path -> real path
  const queue = [{ name: pkg.name, realDir: await realpath(connectorDir), manifest: pkg }];
  while (queue.length > 0) {
    const { name, realDir, manifest } = queue.shift();
    for (const [dep, optional] of dependenciesOf(manifest)) {
      const found = await resolveDependency(dep, realDir, root);
      if (!found) {
        if (optional) continue;
        throw new Error(`cannot resolve ${dep}, a dependency of ${name} (from ${realDir})`);
      }
      const base = stageOf(found.searchedDir);
      if (base === undefined) {
        throw new Error(`${dep} of ${name} is installed in ${found.searchedDir}, outside any package`);
      }
      const target = join(base, 'node_modules', dep);
      const previous = staged.get(target);
      if (previous === found.realDir) continue;
      if (previous !== undefined) {
        throw new Error(`${target} is needed as both ${previous} and ${found.realDir}`);
      }
      staged.set(target, found.realDir);
      const depManifest = await readPackage(found.realDir);
      // Workspace packages are linked into node_modules from their own folders.
      if (found.realDir.split(sep).includes('node_modules')) {
        await stageTree(found.realDir, target, join(found.realDir, 'node_modules'));
      } else {
        workspaceStage.set(found.realDir, target);
        await copyWorkspacePackage(found.realDir, depManifest, target);
      }
      queue.push({ name: dep, realDir: found.realDir, manifest: depManifest });
    }
  }
  return [...staged.keys()].map((path) => relative(stageDir, path)).sort();
}

/** Runtime dependencies as [name, optional]: dependencies, optional and required peers. */
function dependenciesOf(manifest) {
  const optionalPeers = manifest.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(manifest.dependencies ?? {}).map((d) => [d, false]),
    ...Object.keys(manifest.optionalDependencies ?? {}).map((d) => [d, true]),
    ...Object.keys(manifest.peerDependencies ?? {})
      .filter((d) => !optionalPeers[d]?.optional)
      .map((d) => [d, false]),
  ];
}

/** Node's lookup: `<dir>/node_modules/<name>` from `fromDir` up to the repository root. */
async function resolveDependency(name, fromDir, root) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (!dir.endsWith(`${sep}node_modules`)) {
      const candidate = join(dir, 'node_modules', name);
      if (await exists(join(candidate, 'package.json'))) {
        return { searchedDir: dir, realDir: await realpath(candidate) };
      }
    }
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** A workspace package ships what it would publish: package.json and its `files`. */
async function copyWorkspacePackage(dir, manifest, target) {
  if (!manifest.files) {
    throw new Error(`workspace package ${manifest.name} has no "files" field to stage`);
  }
  await mkdir(target, { recursive: true });
  await stageTree(join(dir, 'package.json'), join(target, 'package.json'));
  for (const entry of manifest.files) {
    if (!(await exists(join(dir, entry)))) {
      throw new Error(
        `${manifest.name} lists "${entry}" in files but ${dir}/${entry} is missing: run \`npm run build\``,
      );
    }
    await stageTree(join(dir, entry), join(target, entry));
  }
}

/**
 * Puts `src` (a file or a tree, minus build-only files and `skipDir`) at `dest`. Files are
 * hard-linked when the stage is on the same filesystem, which makes staging nearly free;
 * the image runs as nobody, so a file that is not world-readable is copied and opened up.
 */
async function stageTree(src, dest, skipDir) {
  const info = await lstat(src);
  if (info.isDirectory()) {
    await mkdir(dest, { recursive: true });
    await chmod(dest, 0o755);
    const entries = await readdir(src);
    await Promise.all(
      entries
        .filter((name) => runtimeFile(name) && join(src, name) !== skipDir)
        .map((name) => stageTree(join(src, name), join(dest, name), skipDir)),
    );
  } else if (info.isSymbolicLink()) {
    await symlink(await readlink(src), dest);
  } else if (info.isFile()) {
    if ((info.mode & 0o444) === 0o444) {
      try {
        await link(src, dest);
        return;
      } catch (error) {
        if (!['EXDEV', 'EPERM', 'EMLINK'].includes(error.code)) throw error;
      }
    }
    await copyFile(src, dest);
    await chmod(dest, info.mode & 0o111 ? 0o755 : 0o644);
  }
}

async function imageExists(docker, image) {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (error.statusCode === 404) return false;
    throw error;
  }
}

/** node:20-slim when it is present, else the offline base (built on first use). */
export async function chooseBaseImage(docker) {
  if (process.env.BACKFLOW_BASE_IMAGE) return process.env.BACKFLOW_BASE_IMAGE;
  if (await imageExists(docker, DEFAULT_BASE_IMAGE)) return DEFAULT_BASE_IMAGE;
  if (!(await imageExists(docker, OFFLINE_BASE_IMAGE))) {
    execFileSync(join(REPO_ROOT, 'scripts', 'build-base-image.sh'), [OFFLINE_BASE_IMAGE], {
      stdio: 'inherit',
    });
  }
  return OFFLINE_BASE_IMAGE;
}

/** Builds one connector folder into `backflow/<package name>:<version>`; returns the tag. */
export async function buildConnectorImage(connectorDir, { docker = new Docker(), baseImage } = {}) {
  const manifest = await readPackage(connectorDir);
  const name = manifest.name.replace(/^@[^/]+\//, '');
  if (!(await exists(join(connectorDir, 'Dockerfile')))) {
    throw new Error(`${connectorDir} has no Dockerfile; copy test/fixtures/connectors/echo/Dockerfile`);
  }
  const network = manifest.backflow?.network ?? 'none';
  if (network !== 'none' && network !== 'host') {
    throw new Error(`${name}: package.json backflow.network must be "none" or "host"`);
  }
  const tag = `backflow/${name}:${manifest.version}`;
  const base = baseImage ?? (await chooseBaseImage(docker));
  const previous = (await imageExists(docker, tag)) ? (await docker.getImage(tag).inspect()).Id : undefined;
  // Inside the repository (git-ignored) so files can be hard-linked rather than copied.
  await mkdir(join(REPO_ROOT, '.backflow'), { recursive: true });
  const stageDir = await mkdtemp(join(REPO_ROOT, '.backflow', `image-${name}-`));
  try {
    await stageConnector(connectorDir, stageDir);
    await copyFile(join(connectorDir, 'Dockerfile'), join(stageDir, 'Dockerfile'));
    // The system tar, uncompressed: dockerode's JS tar + gzip took longer than the build.
    const tar = spawn('tar', ['-c', '-C', stageDir, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tarExit = new Promise((resolvePromise, reject) => {
      tar.on('error', reject);
      tar.on('close', (code) =>
        code === 0 ? resolvePromise() : reject(new Error(`tar of ${stageDir} exited with ${code}`)),
      );
    });
    const stream = await docker.buildImage(tar.stdout, {
      t: tag,
      rm: true,
      forcerm: true,
      ...(base === DEFAULT_BASE_IMAGE ? {} : { buildargs: JSON.stringify({ BASE_IMAGE: base }) }),
      labels: JSON.stringify({
        'io.backflow.connector': name,
        'io.backflow.version': manifest.version,
        'io.backflow.network': network,
        // The SDK takes its stdin and stdout as named pipes when the runner offers them.
        // It can also start before its run and take its command line from a pipe (BACKFLOW_ARGS),
        // and wait for it as long as BACKFLOW_ARGS_WAIT_MS says (a container kept warm).
        ...(manifest.dependencies?.['@backflow/protocol']
          ? { 'io.backflow.stdio': 'fifo', 'io.backflow.args': 'fifo', 'io.backflow.args-wait': 'true' }
          : {}),
      }),
    });
    const log = [];
    const built = new Promise((resolvePromise, reject) => {
      docker.modem.followProgress(
        stream,
        (error) => (error ? reject(error) : resolvePromise()),
        (event) => {
          if (event.stream) log.push(event.stream);
          if (event.error) reject(new Error(`${tag}: ${event.error}\n${log.join('')}`));
        },
      );
    });
    await Promise.all([tarExit, built]);
    // Rebuilding moves the tag; drop the image it left behind unless a container still uses it.
    const current = await docker.getImage(tag).inspect();
    if (previous && previous !== current.Id) {
      await docker
        .getImage(previous)
        .remove()
        .catch(() => undefined);
    }
  } finally {
    await rm(stageDir, { recursive: true, force: true });
  }
  return tag;
}

/** Connector folders named on the command line, or every connectors/* with bin/main.js. */
async function connectorDirs(args) {
  if (args.length > 0) {
    return args.map((arg) =>
      arg.includes('/') ? resolve(arg) : join(REPO_ROOT, 'connectors', arg.replace(/^@backflow\//, '')),
    );
  }
  const dirs = [];
  for (const entry of await readdir(join(REPO_ROOT, 'connectors'), { withFileTypes: true })) {
    const dir = join(REPO_ROOT, 'connectors', entry.name);
    if (!entry.isDirectory()) continue;
    if (await exists(join(dir, 'bin', 'main.js'))) dirs.push(dir);
    else console.log(`skipping ${entry.name}: no bin/main.js yet`);
  }
  return dirs;
}

async function main(args) {
  const docker = new Docker();
  const baseImage = await chooseBaseImage(docker);
  for (const dir of await connectorDirs(args)) {
    if (!(await exists(join(dir, 'bin', 'main.js')))) {
      throw new Error(`${dir} is not a connector (no bin/main.js)`);
    }
    const started = Date.now();
    const tag = await buildConnectorImage(dir, { docker, baseImage });
    console.log(`built ${tag} from ${baseImage} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`build-images: ${error.message}`);
    process.exit(1);
  });
}
