// `docker build` through the API, of a context made in memory, on the suite's Node base (the Dockerfile's
// BASE_IMAGE argument): relay-node and the other bundles, and the runner.
import { pack as tarPack } from 'tar-stream';
import { docker, followProgress } from '../engine';
import type { ImageRef } from './image-cache';

export interface ContextFile {
  readonly name: string;
  readonly content: Buffer | string;
}

/** Builds `ref`; a failed build's error ends with the build's last output lines (npm's, say), which say why. */
export async function buildOnBase(ref: string, labels: Record<string, string>, base: ImageRef, files: readonly ContextFile[]): Promise<void> {
  const context = tarPack();
  for (const file of files) context.entry({ name: file.name }, file.content);
  context.finalize();
  const stream = await docker().buildImage(context as unknown as NodeJS.ReadableStream, {
    t: ref,
    labels,
    buildargs: { BASE_IMAGE: base.ref },
    rm: true,
    forcerm: true,
  });
  const output: string[] = [];
  await followProgress(stream, (e) => e.stream && output.push(...e.stream.split('\n').filter(Boolean))).catch((e: Error) => {
    throw new Error(`building ${ref} failed: ${e.message}\n${output.slice(-20).join('\n')}`);
  });
}
