// The API fakes are TypeScript (tests run them through vitest): the bench transpiles the whole
// test/fakes tree once (fakes import each other's parts, e.g. ../hubspot/call-log.js) and
// imports the fakes it needs from the copy.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

async function transpileTree(from, to) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) await transpileTree(source, join(to, entry.name));
    else if (entry.name.endsWith('.json')) await copyFile(source, join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      await writeFile(join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
}

/**
 * Every fake, by folder name (`hubspot`, `salesforce`, ...), from a transpiled copy that lives
 * under node_modules so the fakes' package imports resolve; `cleanup` removes the copy.
 */
export async function loadFakes(names) {
  const dir = fileURLToPath(new URL('../../../test/fakes/', import.meta.url));
  const out = await mkdtemp(fileURLToPath(new URL('../../../node_modules/.bench-fakes-', import.meta.url)));
  try {
    await transpileTree(dir, out);
    await writeFile(join(out, 'package.json'), '{"type":"module"}');
    const fakes = {};
    for (const name of names) fakes[name] = await import(pathToFileURL(join(out, name, 'index.js')).href);
    return { fakes, cleanup: () => rm(out, { recursive: true, force: true }) };
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    throw error;
  }
}
