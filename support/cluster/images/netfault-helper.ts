// The network-fault helper's image: iptables (Debian's xtables-nft-multi under the names the suite calls,
// with every match and target extension it loads at run time), node for the reachability prober, and
// sleep to idle on. Assembled from this host's files like the etcd image, so it needs no registry; a team
// registry (OMNIRELAY_HYPERSCALE_REGISTRY) may serve the exact tag instead (see ensureImage). A helper
// joins one target's network namespace (NetworkMode container:<id>, NET_ADMIN): support/chaos/network/helper.ts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureImage, preparedImage, type ImageRecipe, type ImageRef } from './image-cache';
import { named } from './recipes';
import { fingerprint, importRootfs, sharedLibraries, type RootFile, type RootLink } from './rootfs';

/** Where Debian puts the multi-call binary and the extensions it dlopen()s (`ldd` alone does not list those). */
const MULTI = ['/usr/sbin/xtables-nft-multi', '/sbin/xtables-nft-multi'];
const EXTENSION_DIRS = ['/usr/lib/x86_64-linux-gnu/xtables', '/usr/lib/aarch64-linux-gnu/xtables', '/usr/lib/xtables', '/usr/lib64/xtables'];
const SLEEP = ['/usr/bin/sleep', '/bin/sleep'];
/** The names the fault library runs; xtables-nft-multi picks its personality from argv[0]. */
export const HELPER_PROGRAMS = ['iptables', 'iptables-restore', 'iptables-save'] as const;
export const HELPER_NODE = '/usr/local/bin/node';

export class HelperImageError extends Error {
  override name = 'HelperImageError';
}

const first = (paths: readonly string[]) => paths.find((p) => existsSync(p));

/** The host files the image is made of (libraries left out: they are resolved when it is built). */
async function primaryFiles(): Promise<{ files: RootFile[]; links: RootLink[] }> {
  const multi = first(MULTI);
  const extensions = first(EXTENSION_DIRS);
  const sleep = first(SLEEP);
  const missing = [
    ...(multi && extensions ? [] : ['iptables (xtables-nft-multi and its extensions: `apt-get install iptables`)']),
    ...(sleep ? [] : ['sleep (coreutils)']),
  ];
  if (missing.length > 0) {
    throw new HelperImageError(
      `The network-fault helper image is assembled from this host's files, and it lacks: ${missing.join('; ')}.\n` +
        'Fix: install them, or publish the image to your registry (OMNIRELAY_HYPERSCALE_REGISTRY) from a machine that has them, ' +
        'or use OMNIRELAY_HYPERSCALE_NETFAULTS=host on a Linux host whose engine runs its containers locally.',
    );
  }
  const modules = (await readdir(extensions!)).filter((f) => f.endsWith('.so')).sort();
  return {
    files: [
      { path: HELPER_NODE, from: process.execPath, mode: 0o755 },
      { path: '/usr/sbin/xtables-nft-multi', from: multi!, mode: 0o755 },
      { path: '/usr/bin/sleep', from: sleep!, mode: 0o755 },
      ...modules.map((m) => ({ path: join(extensions!, m), from: join(extensions!, m), mode: 0o644 })),
    ],
    links: HELPER_PROGRAMS.map((name) => ({ path: `/usr/sbin/${name}`, link: 'xtables-nft-multi' })),
  };
}

export async function netfaultHelperImage(registry?: string, log?: (l: string) => void): Promise<ImageRef> {
  const prepared = await preparedImage('netfault-helper');
  if (prepared) return prepared;
  const { files, links } = await primaryFiles();
  const recipe: ImageRecipe = {
    kind: 'netfault-helper',
    repository: named(registry, 'omnirelay-hyperscale/netfault-helper'),
    sourceHash: async () =>
      createHash('sha256')
        .update(`${process.version}\n${await fingerprint([...files, ...links])}`)
        .digest('hex'),
    async build(ref, labels) {
      const libraries = await sharedLibraries(...files.map((f) => f.from));
      const paths = new Set(files.map((f) => f.path));
      const all = [...files, ...libraries.filter((l) => !paths.has(l.path)), ...links];
      await importRootfs(ref, all, ['ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/bin', 'CMD ["sleep", "infinity"]'], labels);
    },
  };
  return ensureImage(recipe, log);
}
