// The suite's images: a Node runtime base, etcd, and relay-node built on the base.
// Official images are used when present or pullable; otherwise the base images are assembled from host
// binaries (the offline path), and relay-node is bundled with esbuild and built on whichever base exists.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { build as esbuild, version as esbuildVersion } from 'esbuild';
import { buildOnBase } from './build-context';
import { ensureImage, preparedImage, presentOrPulled, type ImageRecipe, type ImageRef } from './image-cache';
import { fingerprint, importRootfs, sharedLibraries, type RootFile } from './rootfs';

export const OFFICIAL = {
  node: 'node:24-bookworm-slim',
  etcd: 'quay.io/coreos/etcd:v3.5.17',
} as const;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** `name` under the team registry (OMNIRELAY_HYPERSCALE_REGISTRY), when one is set. */
export function named(registry: string | undefined, name: string): string {
  return registry ? `${registry}/${name}` : name;
}

/** The first `binary` on PATH (then in `extra` directories). */
export function which(binary: string, extra: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extra];
  return dirs.map((d) => join(d, binary)).find((p) => existsSync(p));
}

/** A Node runtime: the official slim image, else the running Node binary and its libraries. */
export async function nodeRuntimeImage(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const official = await presentOrPulled(named(registry, OFFICIAL.node));
  if (official) return official;
  const prepared = await preparedImage('node-base');
  if (prepared) return prepared;
  const files: RootFile[] = [{ path: '/usr/local/bin/node', from: process.execPath, mode: 0o755 }, ...(await sharedLibraries(process.execPath))];
  const recipe: ImageRecipe = {
    kind: 'node-base',
    repository: named(registry, 'omnirelay-hyperscale/node-base'),
    sourceHash: async () => sha(`${process.version}\n${await fingerprint(files)}`),
    build: (ref, labels) => importRootfs(ref, files, ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'WORKDIR /app', 'CMD ["node"]'], labels),
  };
  return ensureImage(recipe, log);
}

/** etcd: the official image, else Debian's etcd-server binary (it links only libc) in a bare image. */
export async function etcdImage(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const official = await presentOrPulled(named(registry, OFFICIAL.etcd));
  if (official) return official;
  const prepared = await preparedImage('etcd');
  if (prepared) return prepared;
  const binary = which('etcd', ['/usr/bin', '/usr/local/bin']);
  if (!binary) {
    throw new Error(
      `No etcd image: ${OFFICIAL.etcd} cannot be pulled and no etcd binary is installed to assemble one from.\n` +
        'Fix: install etcd (Debian/Ubuntu: `sudo apt-get install etcd-server`) or make the registry reachable.',
    );
  }
  const files: RootFile[] = [{ path: '/usr/local/bin/etcd', from: binary, mode: 0o755 }, ...(await sharedLibraries(binary))];
  const recipe: ImageRecipe = {
    kind: 'etcd',
    repository: named(registry, 'omnirelay-hyperscale/etcd'),
    sourceHash: async () => sha(await fingerprint(files)),
    build: (ref, labels) => importRootfs(ref, files, ['ENV PATH=/usr/local/bin:/usr/bin:/bin'], labels),
  };
  return ensureImage(recipe, log);
}

const RELAY_DIR = join(import.meta.dirname, '../../../docker/relay-node');
const PROXY_DIR = join(import.meta.dirname, '../../../docker/fault-proxy');
const OTLP_RECEIVER_DIR = join(import.meta.dirname, '../../../docker/otlp-receiver');
/** The bundles include npm packages (OpenTelemetry): the lock file pins what esbuild pulls in. */
const PACKAGE_LOCK = join(import.meta.dirname, '../../../package-lock.json');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** A program of ours under docker/<name>/: its sources bundled by esbuild into one file on the Node base. */
interface Bundled {
  readonly kind: string;
  /** Holds the Dockerfile (and, by default, the sources under src/). */
  readonly dir: string;
  readonly bundleName: string;
  /** The entry point, when not `<dir>/src/main.ts`: a suite program (chaos-control) bundles suite code. */
  readonly entry?: string;
  /** Folders whose files key the cache, when not `dir` alone. */
  readonly sources?: readonly string[];
}

async function bundledImage(what: Bundled, base: ImageRef, registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const recipe: ImageRecipe = {
    kind: what.kind,
    repository: named(registry, `omnirelay-hyperscale/${what.kind}`),
    async sourceHash() {
      const hash = createHash('sha256').update(`${base.id}\nesbuild ${esbuildVersion}\n`);
      hash
        .update('package-lock.json\0')
        .update(await readFile(PACKAGE_LOCK))
        .update('\0');
      for (const file of (await Promise.all((what.sources ?? [what.dir]).map(listFiles))).flat()) {
        hash
          .update(relative(what.dir, file))
          .update('\0')
          .update(await readFile(file))
          .update('\0');
      }
      return hash.digest('hex');
    },
    async build(ref, labels) {
      const bundle = await esbuild({
        entryPoints: [what.entry ?? join(what.dir, 'src/main.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        write: false,
        logLevel: 'silent',
      });
      await buildOnBase(ref, labels, base, [
        { name: 'Dockerfile', content: await readFile(join(what.dir, 'Dockerfile')) },
        { name: what.bundleName, content: Buffer.from(bundle.outputFiles[0]!.contents) },
      ]);
    },
  };
  return ensureImage(recipe, log);
}

/** relay-node: the reference host. */
export function relayNodeImage(base: ImageRef, registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  return bundledImage({ kind: 'relay-node', dir: RELAY_DIR, bundleName: 'relay-node.mjs' }, base, registry, log);
}

/** Which fault proxy runs: the real Toxiproxy when its image is present or pullable, else ours. */
export interface FaultProxyImage extends ImageRef {
  readonly flavour: 'toxiproxy' | 'fault-proxy';
}

/** The fault proxy: `toxiproxyImage` (the real one) when present or pullable, else fault-proxy built here. */
export async function faultProxyImage(base: ImageRef, toxiproxyImage: string, registry?: string, log?: (l: string) => void): Promise<FaultProxyImage> {
  const real = await presentOrPulled(toxiproxyImage);
  if (real) return { ...real, flavour: 'toxiproxy' };
  log?.(`${toxiproxyImage} is not present and cannot be pulled: using the suite's fault-proxy (same API)`);
  const ours = await bundledImage({ kind: 'fault-proxy', dir: PROXY_DIR, bundleName: 'fault-proxy.mjs' }, base, registry, log);
  return { ...ours, flavour: 'fault-proxy' };
}

/** otlp-receiver: the OTLP/HTTP trace receiver relay-node exports spans to (RELAY_OTLP_ENDPOINT). */
export function otlpReceiverImage(base: ImageRef, registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  return bundledImage({ kind: 'otlp-receiver', dir: OTLP_RECEIVER_DIR, bundleName: 'otlp-receiver.mjs' }, base, registry, log);
}

const SUITE_DIR = join(import.meta.dirname, '../..');
const CHAOS_CONTROL_DIR = join(import.meta.dirname, '../../../docker/chaos/control');

/** chaos-control: the chaos environment's CA, fault log and proxy route keeper (support/chaos/env/control-main.ts). */
export function chaosControlImage(base: ImageRef, registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  return bundledImage(
    {
      kind: 'chaos-control',
      dir: CHAOS_CONTROL_DIR,
      bundleName: 'chaos-control.mjs',
      entry: join(SUITE_DIR, 'chaos/env/control-main.ts'),
      sources: [CHAOS_CONTROL_DIR, join(SUITE_DIR, 'chaos/env'), join(SUITE_DIR, 'tls')],
    },
    base,
    registry,
    log,
  );
}

export interface SuiteImages {
  readonly relayNode: ImageRef;
  readonly etcd: ImageRef;
  readonly faultProxy: FaultProxyImage;
  readonly otlpReceiver: ImageRef;
}

/** Everything a topology needs. `imageUnderTest` replaces the bundled relay-node when set. */
export async function suiteImages(opts: {
  registry?: string;
  imageUnderTest?: string;
  toxiproxyImage: string;
  log?: (l: string) => void;
}): Promise<SuiteImages> {
  const { registry, imageUnderTest, toxiproxyImage, log } = opts;
  const base = nodeRuntimeImage(registry, log);
  const [relayNode, etcd, faultProxy, otlpReceiver] = await Promise.all([
    imageUnderTest ? underTest(imageUnderTest) : base.then((b) => relayNodeImage(b, registry, log)),
    etcdImage(registry, log),
    base.then((b) => faultProxyImage(b, toxiproxyImage, registry, log)),
    base.then((b) => otlpReceiverImage(b, registry, log)),
  ]);
  return { relayNode, etcd, faultProxy, otlpReceiver };
}

async function underTest(ref: string): Promise<ImageRef> {
  const image = await presentOrPulled(ref);
  if (!image) {
    throw new Error(
      `OMNIRELAY_HYPERSCALE_IMAGE=${ref}: no such image locally and it cannot be pulled.\n` +
        'Fix: build or load it first (`docker image ls` should list it), or unset the variable to test the bundled relay-node.',
    );
  }
  return image;
}
