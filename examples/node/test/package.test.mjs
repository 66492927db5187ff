// The client is an npm package: `npm install <this folder>` works offline, and importing it by
// name gives the whole client; the README names only paths that exist.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as client from '../portal-client.mjs';
import { defaultCommand } from '../portal-client.mjs';
import { TIMEOUT } from '../testkit.mjs';

const run = promisify(execFile);
const clientDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(clientDir, '..', '..');
const manifest = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8'));
const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0 ? 'npm' : null;

test('package.json: an ES module package with no dependencies, whose every named file exists', () => {
  assert.equal(manifest.name, 'portal-rpc-client');
  assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
  assert.equal(manifest.type, 'module');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
    assert.equal(manifest[field], undefined, field);
  }
  assert.deepEqual(manifest.exports['.'], { types: manifest.types, default: manifest.main });
  for (const file of [manifest.main, manifest.types, ...manifest.files]) {
    assert.ok(existsSync(join(clientDir, file)), `${file} is named in package.json but missing`);
  }
  // Every module the client imports from this folder ships with it.
  for (const file of manifest.files.filter((name) => /\.(mjs|d\.ts)$/.test(name))) {
    const text = readFileSync(join(clientDir, file), 'utf8');
    for (const match of text.matchAll(/from '\.\/([^']+)'|from "\.\/([^"]+)"/g)) {
      const local = match[1] ?? match[2];
      assert.ok(manifest.files.includes(local.replace(/\.js$/, '.d.ts')), `${file} imports ${local}, not shipped`);
    }
  }
});

for (const [how, flags] of [
  ['linked (npm install <folder>)', []],
  ['copied (npm install --install-links <folder>)', ['--install-links']],
]) {
  test(`npm installs it offline, ${how}, and it works by its name from there`, { ...TIMEOUT, skip: !npm && 'npm is not installed' }, async (t) => {
    const project = await mkdtemp(join(tmpdir(), 'portal-npm-test-'));
    t.after(() => rm(project, { recursive: true, force: true }));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'shell', version: '1.0.0', private: true, type: 'module' }));
    await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...flags, clientDir], { cwd: project });

    const installed = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    assert.ok(installed.dependencies['portal-rpc-client'].startsWith('file:'));
    const script = [
      "import * as portal from 'portal-rpc-client';",
      "const client = await portal.PortalClient.spawn({ inMemory: true });",
      'const pong = await client.ping();',
      'await client.close();',
      'console.log(JSON.stringify({ names: Object.keys(portal).sort(), pong }));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      env: { ...process.env, PORTAL_RPC: defaultCommand() },
    });
    assert.deepEqual(JSON.parse(stdout), { names: Object.keys(client).sort(), pong: 'pong' });
  });
}

/** The paths the README names in its code: relative ones, and absolute ones on this machine. */
function pathsIn(markdown) {
  const code = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]).join('\n');
  const relative = [...code.matchAll(/(?<=^|[\s'"(=])((?:\.{1,2}\/)?(?:[\w.-]+\/)*[\w.-]+(?:\/|\.(?:mjs|js|ts|json|md)))(?=$|[\s'"),;])/gm)]
    .map((m) => m[1])
    .filter((path) => path.includes('/') || /\.(mjs|ts|json|md)$/.test(path));
  const absolute = [...code.matchAll(/(?<=^|[\s'"=])(\/(?:tmp|usr|opt|home|var|work|root|etc)\/[^\s'"`)]*)/gm)].map((m) => m[1]);
  const dataDirs = [...code.matchAll(/dataDir: '([^']+)'/g)].map((m) => m[1]);
  return { relative, absolute: absolute.filter((path) => !dataDirs.includes(path)) };
}

test('every path the README names exists (a data directory is made by the server)', () => {
  const { relative, absolute } = pathsIn(readFileSync(join(clientDir, 'README.md'), 'utf8'));
  assert.ok(relative.includes('examples/two-windows.mjs'));
  for (const path of relative) {
    // A bare file name is one of this folder's, such as examples/ lists them.
    const bases = path.includes('/') ? [clientDir, repoRoot] : ['', 'examples', 'test', '../../schema'].map((dir) => join(clientDir, dir));
    const found = bases.some((base) => existsSync(join(base, path)));
    assert.ok(found, `the README names ${path}, which is neither in examples/node nor in the repository root`);
  }
  assert.deepEqual(absolute, [], 'the README names paths of one machine');
});

test('the README check finds a path that does not exist', () => {
  const { absolute } = pathsIn('```sh\nexport PORTAL_RPC=/tmp/somewhere/portal-rpc\n```\n');
  assert.deepEqual(absolute, ['/tmp/somewhere/portal-rpc']);
  assert.deepEqual(pathsIn("`node examples/none.mjs` `import x from './gone.mjs'`").relative, ['examples/none.mjs', './gone.mjs']);
});
