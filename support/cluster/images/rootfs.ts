// Assembles a minimal root filesystem from host binaries and the shared libraries `ldd` lists, and
// imports it as an image. This is the offline path: no registry is reachable on our CI machines.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pack as tarPack } from 'tar-stream';
import { docker, followProgress } from '../engine';

export interface RootFile {
  /** Path inside the image. */
  readonly path: string;
  /** Host file to copy. */
  readonly from: string;
  readonly mode?: number;
}

/** A symbolic link inside the image (a multi-call binary's names, say). */
export interface RootLink {
  readonly path: string;
  readonly link: string;
}

/** The host libraries (and loader) dynamically linked binaries need, as `ldd` reports them (one call for all). */
export async function sharedLibraries(...binaries: string[]): Promise<RootFile[]> {
  const { stdout } = await promisify(execFile)('ldd', binaries, { maxBuffer: 16 * 1024 * 1024 });
  const paths = new Set<string>();
  for (const line of stdout.split('\n')) {
    const resolved = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (resolved) paths.add(resolved);
  }
  return Promise.all([...paths].map(async (path) => ({ path, from: await realpath(path), mode: 0o755 })));
}

/** A stable fingerprint of host files (path, size, mtime) and links: cheap enough for every run. */
export async function fingerprint(files: readonly (RootFile | RootLink)[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      if ('link' in f) return `${f.path}->${f.link}`;
      const s = await stat(f.from);
      return `${f.path}<-${f.from}:${s.size}:${s.mtimeMs}`;
    }),
  );
  return parts.sort().join('\n');
}

/** `docker import` through the API: a tar of `files` plus empty dirs becomes image `ref`. */
export async function importRootfs(
  ref: string,
  files: readonly (RootFile | RootLink)[],
  changes: readonly string[],
  labels: Record<string, string>,
): Promise<void> {
  const tar = tarPack();
  const [repo, tag] = splitRef(ref);
  const upload = docker().importImage(tar as unknown as NodeJS.ReadableStream, {
    repo,
    tag,
    changes: [...changes, ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`)],
  });
  for (const dir of ['tmp', 'etc', 'data']) {
    tar.entry({ name: dir, type: 'directory', mode: dir === 'tmp' ? 0o1777 : 0o755 });
  }
  tar.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  tar.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\nnogroup:x:65534:\n');
  for (const file of files) {
    if ('link' in file) {
      tar.entry({ name: file.path.replace(/^\//, ''), type: 'symlink', linkname: file.link });
      continue;
    }
    const { size } = await stat(file.from);
    await new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ name: file.path.replace(/^\//, ''), size, mode: file.mode ?? 0o644 }, (err) => (err ? reject(err) : resolve()));
      createReadStream(file.from).on('error', reject).pipe(entry);
    });
  }
  tar.finalize();
  await followProgress(await upload);
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}
