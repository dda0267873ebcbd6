// Which scenarios may run side by side under `npm run bdd -- --parallel N`. A scenario that measures
// throughput or latency under load (tagged @exclusive) runs alone: on a small engine (2 cores) a
// neighbour's cluster would take the CPU its bounds assume, and no bound is widened to make room.
// Registered in support/hooks.ts (cucumber's functions work only while it loads support code).

export const EXCLUSIVE_TAG = '@exclusive';

interface Tagged {
  readonly tags: readonly { readonly name: string }[];
}

const exclusive = (pickle: Tagged) => pickle.tags.some((t) => t.name === EXCLUSIVE_TAG);

/** An @exclusive scenario starts only on an idle run; nothing starts beside one. */
export function canAssign(candidate: Tagged, inProgress: readonly Tagged[]): boolean {
  if (inProgress.length === 0) return true;
  return !exclusive(candidate) && !inProgress.some(exclusive);
}
