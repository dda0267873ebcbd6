// Prometheus for the chaos environment: the official image where a registry serves it, otherwise assembled
// offline like etcd, from Debian's prometheus package: its binaries link only libc, and its web UI is
// files under /usr/share/prometheus/web that link into libjs-* packages (resolved here into real files).
// `docker/chaos/prometheus/unpack-debian.sh` unpacks those packages into .tools/prometheus without
// installing them (the package's install script would start a Prometheus server on this machine).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureImage, presentOrPulled, type ImageRecipe, type ImageRef } from '../../cluster/images/image-cache';
import { named } from '../../cluster/images/recipes';
import { fingerprint, importRootfs, sharedLibraries, type RootFile } from '../../cluster/images/rootfs';

export const OFFICIAL_PROMETHEUS = 'prom/prometheus:v2.42.0';
const REPO_ROOT = join(import.meta.dirname, '../../..');
/** Where unpack-debian.sh puts the unpacked packages. */
export const UNPACKED_PROMETHEUS = join(REPO_ROOT, '.tools/prometheus/root');

/** A Debian-layout Prometheus: `<root>/usr/bin/{prometheus,promtool}` and `<root>/usr/share/prometheus/web`. */
export function prometheusRoot(): string | undefined {
  for (const root of [UNPACKED_PROMETHEUS, '/']) if (existsSync(join(root, 'usr/bin/prometheus'))) return root;
  return undefined;
}

/** promtool from the unpacked or installed package, for `promtool test rules`. */
export function promtool(): string | undefined {
  const root = prometheusRoot();
  return root ? join(root, 'usr/bin/promtool') : undefined;
}

export const NO_PROMETHEUS = [
  `No Prometheus image: ${OFFICIAL_PROMETHEUS} cannot be pulled and no prometheus binary is unpacked or installed to assemble one from.`,
  'Fix: `bash docker/chaos/prometheus/unpack-debian.sh` (Debian/Ubuntu: downloads and unpacks the packages into .tools/prometheus, installs nothing),',
  'or make the registry reachable.',
].join('\n');

export async function prometheusImage(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const official = await presentOrPulled(named(registry, OFFICIAL_PROMETHEUS));
  if (official) return official;
  const root = prometheusRoot();
  if (!root) throw new Error(NO_PROMETHEUS);
  const binary = join(root, 'usr/bin/prometheus');
  const web = join(root, 'usr/share/prometheus/web');
  const files: RootFile[] = [
    { path: '/bin/prometheus', from: binary, mode: 0o755 },
    ...(await sharedLibraries(binary)),
    ...(existsSync(web) ? await filesUnder(web, '/usr/share/prometheus/web') : []),
  ];
  const recipe: ImageRecipe = {
    kind: 'prometheus',
    repository: named(registry, 'omnirelay-hyperscale/prometheus'),
    sourceHash: async () =>
      createHash('sha256')
        .update(await fingerprint(files))
        .digest('hex'),
    build: (ref, labels) =>
      importRootfs(ref, files, ['ENV PATH=/bin:/usr/bin', 'WORKDIR /prometheus', 'ENTRYPOINT ["/bin/prometheus"]', 'EXPOSE 9090'], labels),
  };
  return ensureImage(recipe, log);
}

/** Every file under `dir`, symbolic links followed (the web UI links into /usr/share/javascript), placed under `at`. */
async function filesUnder(dir: string, at: string): Promise<RootFile[]> {
  const out: RootFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const from = join(dir, entry.name);
    const real = await realpath(from).catch(() => undefined);
    if (!real) continue; // a link into a package not unpacked: that part of the UI is missing, the rest works
    if ((await stat(real)).isDirectory()) out.push(...(await filesUnder(real, join(at, entry.name))));
    else out.push({ path: join(at, entry.name), from: real });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
