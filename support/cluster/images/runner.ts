// The runner image for `npm run bdd:container`: the suite's Node base plus the project's node_modules,
// installed for Linux inside the build (a host's node_modules, from macOS say, carries the wrong native
// binaries). The official node image brings npm; the offline base assembled from host binaries gets
// this host's npm (plain JavaScript) and /usr/bin/env for npm's shebang. The build reaches the npm
// registry with the host's registry setting, trusting what the host trusts (npm's cafile, else
// NODE_EXTRA_CA_CERTS, else the system bundle): a company proxy's certificate, or this CI's.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { buildOnBase } from './build-context';
import { ensureImage, presentOrPulled, type ImageRecipe, type ImageRef } from './image-cache';
import { named, OFFICIAL, which } from './recipes';
import { fingerprint, importRootfs, sharedLibraries, type RootFile, type RootLink } from './rootfs';

const ROOT = join(import.meta.dirname, '../../..');
const RUNNER_DIR = join(ROOT, 'docker/runner');

export class RunnerImageError extends Error {
  override name = 'RunnerImageError';
}

/** What npm on this host is configured with, for the build's `npm ci`. */
interface NpmSettings {
  readonly registry: string;
  /** Certificates the build trusts beyond Node's own (NODE_EXTRA_CA_CERTS): a company proxy's, this CI's. */
  readonly ca: Buffer;
}

/** Where the host's trusted certificates are: npm's cafile, Node's extra certificates, the system bundle. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

async function npmSettings(): Promise<NpmSettings> {
  const get = async (key: string) =>
    (await promisify(execFile)('npm', ['config', 'get', key], { encoding: 'utf8' }).catch(() => ({ stdout: '' }))).stdout.trim();
  const [registry, cafile] = await Promise.all([get('registry'), get('cafile')]);
  const candidates = [cafile, process.env.NODE_EXTRA_CA_CERTS, ...SYSTEM_BUNDLES].filter((p): p is string => !!p && p !== 'null' && p !== 'undefined');
  const found = candidates.find((p) => existsSync(p));
  return { registry: registry || 'https://registry.npmjs.org/', ca: found ? await readFile(found) : Buffer.alloc(0) };
}

/** The runner's base: the official node image when present or pullable, else node, npm and env from this host. */
async function runnerBase(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const official = await presentOrPulled(named(registry, OFFICIAL.node));
  if (official) return official;
  const npmOnPath = which('npm');
  const npmCli = npmOnPath ? await realpath(npmOnPath) : undefined;
  const env = which('env', ['/usr/bin', '/bin']);
  if (!npmCli || !env) {
    throw new RunnerImageError(
      `The runner image is assembled from this host's files when ${OFFICIAL.node} cannot be pulled, and this host lacks ${!npmCli ? 'npm' : '/usr/bin/env'}.\n` +
        'Fix: install Node.js with npm, or make the registry reachable (OMNIRELAY_HYPERSCALE_REGISTRY may serve the node image).',
    );
  }
  const npmDir = dirname(dirname(npmCli)); // …/node_modules/npm/bin/npm-cli.js
  const npmFiles: RootFile[] = (await readdir(npmDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .map((from) => ({ path: join('/usr/local/lib/node_modules/npm', relative(npmDir, from)), from, mode: 0o755 }));
  const files: RootFile[] = [
    { path: '/usr/local/bin/node', from: process.execPath, mode: 0o755 },
    { path: '/usr/bin/env', from: env, mode: 0o755 },
  ];
  const links: RootLink[] = [{ path: '/usr/local/bin/npm', link: '../lib/node_modules/npm/bin/npm-cli.js' }];
  const recipe: ImageRecipe = {
    kind: 'runner-base',
    repository: named(registry, 'omnirelay-hyperscale/runner-base'),
    // npm's files are many: its version and directory stand for them.
    sourceHash: async () =>
      createHash('sha256')
        .update(
          `${process.version}\n${await fingerprint([...files, ...links])}\n${npmDir}:${JSON.parse(await readFile(join(npmDir, 'package.json'), 'utf8')).version}`,
        )
        .digest('hex'),
    async build(ref, labels) {
      const libraries = await sharedLibraries(process.execPath, env);
      await importRootfs(ref, [...files, ...libraries, ...npmFiles, ...links], ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'WORKDIR /suite'], labels);
    },
  };
  return ensureImage(recipe, log);
}

/** The runner image: rebuilt when the lock file, the Dockerfile, the base or the npm settings change. */
export async function runnerImage(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const base = await runnerBase(registry, log);
  const npm = await npmSettings();
  const npmrc = `registry=${npm.registry}\n`;
  const inputs = ['package.json', 'package-lock.json'].map((f) => join(ROOT, f));
  const recipe: ImageRecipe = {
    kind: 'runner',
    repository: named(registry, 'omnirelay-hyperscale/runner'),
    async sourceHash() {
      const hash = createHash('sha256').update(`${base.id}\n${npmrc}`).update(npm.ca);
      for (const file of [...inputs, join(RUNNER_DIR, 'Dockerfile')]) hash.update(`${file}\0`).update(await readFile(file));
      return hash.digest('hex');
    },
    async build(ref, labels) {
      log?.('installing node_modules in the runner image (npm ci; a minute or two the first time)');
      await buildOnBase(ref, labels, base, [
        { name: 'Dockerfile', content: await readFile(join(RUNNER_DIR, 'Dockerfile')) },
        ...(await Promise.all(inputs.map(async (file) => ({ name: relative(ROOT, file), content: await readFile(file) })))),
        { name: '.npmrc', content: npmrc },
        { name: 'npm-ca.crt', content: npm.ca },
      ]);
    },
  };
  return ensureImage(recipe, log);
}
