// Images are a labelled cache keyed by a hash of their sources: an unchanged source tree reuses the
// image (no rebuild), a changed one builds a new tag and removes the stale tags of the same kind.
import { docker, followProgress } from '../engine';
import { LABEL } from '../labels';

export interface ImageRef {
  /** Reference to hand to the engine, e.g. `omnirelay-hyperscale/relay-node:3f2a9c01b7de`. */
  readonly ref: string;
  readonly id: string;
  /** How this run obtained it. */
  readonly origin: 'cache' | 'built' | 'pulled' | 'provided';
}

export interface ImageRecipe {
  /** Kind label value, e.g. `relay-node`. */
  readonly kind: string;
  /** Repository without tag, already prefixed with the registry setting when one is set. */
  readonly repository: string;
  sourceHash(): Promise<string>;
  /** Builds (or imports) the image so that `ref` exists, carrying `labels`. */
  build(ref: string, labels: Record<string, string>): Promise<void>;
}

export async function imageId(ref: string): Promise<string | undefined> {
  try {
    return (await docker().getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

/**
 * Pulls `ref` within `timeoutMs`; returns false (never throws) when no registry can serve it. The
 * deadline aborts the request itself, so a pull that timed out does not go on in the background.
 */
export async function tryPull(ref: string, timeoutMs = 120_000): Promise<boolean> {
  try {
    const stream = await docker().pull(ref, { abortSignal: AbortSignal.timeout(timeoutMs) });
    await followProgress(stream);
    return (await imageId(ref)) !== undefined;
  } catch {
    return false;
  }
}

/** An image that is used as is when present locally or pullable (official images, the image under test). */
export async function presentOrPulled(ref: string): Promise<ImageRef | undefined> {
  const local = await imageId(ref);
  if (local) return { ref, id: local, origin: 'provided' };
  if (await tryPull(ref)) return { ref, id: (await imageId(ref))!, origin: 'pulled' };
  return undefined;
}

/**
 * Images a runner's host prepared (`npm run bdd:container` sets OMNIRELAY_HYPERSCALE_PREPARED_IMAGES to
 * `{"<kind>": "<ref>"}`): inside the runner the host binaries some recipes are assembled from are absent,
 * so those kinds are taken as the host built them.
 */
export const PREPARED_IMAGES_ENV = 'OMNIRELAY_HYPERSCALE_PREPARED_IMAGES';

export function preparedImages(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env[PREPARED_IMAGES_ENV]?.trim();
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => typeof v === 'string')) return parsed as Record<string, string>;
  } catch {
    // reported below
  }
  throw new Error(`${PREPARED_IMAGES_ENV}=${raw} is not a JSON object of image kind to reference, e.g. {"etcd":"omnirelay-hyperscale/etcd:6294179efd84"}`);
}

/** The image of `kind` a runner's host prepared, if it did; recipes of host files ask this first. */
export async function preparedImage(kind: string): Promise<ImageRef | undefined> {
  const ref = preparedImages()[kind];
  if (!ref) return undefined;
  const id = await imageId(ref);
  if (!id)
    throw new Error(`${PREPARED_IMAGES_ENV} names ${ref} for ${kind}, but the engine has no such image; start the runner again with \`npm run bdd:container\``);
  return { ref, id, origin: 'provided' };
}

export async function ensureImage(recipe: ImageRecipe, log: (line: string) => void = () => {}): Promise<ImageRef> {
  const hash = (await recipe.sourceHash()).slice(0, 12);
  const ref = `${recipe.repository}:${hash}`;
  const cached = await imageId(ref);
  if (cached) return { ref, id: cached, origin: 'cache' };

  // A team that publishes its own images (OMNIRELAY_HYPERSCALE_REGISTRY) may already have this exact tag.
  if (recipe.repository.includes('/') && recipe.repository.split('/')[0]!.includes('.') && (await tryPull(ref, 60_000))) {
    return { ref, id: (await imageId(ref))!, origin: 'pulled' };
  }

  log(`building image ${ref} (sources changed or not built yet)`);
  const started = Date.now();
  await recipe.build(ref, { [LABEL.suite]: 'true', [LABEL.image]: recipe.kind, [LABEL.sourceHash]: hash });
  const id = await imageId(ref);
  if (!id) throw new Error(`building ${ref} reported success but the engine has no such image`);
  log(`built ${ref} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await removeStale(recipe.kind, hash);
  return { ref, id, origin: 'built' };
}

/** Removes older images of the same kind; an image still used by a container stays (the engine refuses). */
async function removeStale(kind: string, keepHash: string): Promise<void> {
  const images = await docker().listImages({ filters: { label: [`${LABEL.image}=${kind}`] } });
  for (const image of images) {
    if (image.Labels?.[LABEL.sourceHash] === keepHash) continue;
    await docker()
      .getImage(image.Id)
      .remove({ force: false })
      .catch(() => undefined);
  }
}
