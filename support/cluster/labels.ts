// Every container, network and image the suite creates carries these labels, so that teardown, the
// Ctrl-C handler and the start-of-run sweep can find exactly what belongs to the suite and nothing else.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export const LABEL = {
  suite: 'omnirelay.hyperscale',
  run: 'omnirelay.hyperscale.run',
  pid: 'omnirelay.hyperscale.pid',
  host: 'omnirelay.hyperscale.host',
  scenario: 'omnirelay.hyperscale.scenario',
  topology: 'omnirelay.hyperscale.topology',
  node: 'omnirelay.hyperscale.node',
  image: 'omnirelay.hyperscale.image',
  sourceHash: 'omnirelay.hyperscale.source-hash',
} as const;

/** Identity of this test process: one per `cucumber-js` (or bench) invocation. */
export const RUN = {
  id: `${new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`,
  pid: process.pid,
  host: hostname(),
} as const;

export function runLabels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [LABEL.suite]: 'true',
    [LABEL.run]: RUN.id,
    [LABEL.pid]: String(RUN.pid),
    [LABEL.host]: RUN.host,
    ...extra,
  };
}

/** Docker names allow [a-zA-Z0-9_.-]; scenario names become readable, bounded slugs. */
export function slug(text: string, max = 40): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (s || 'x').slice(0, max).replace(/-+$/, '');
}
