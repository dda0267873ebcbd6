// Traffic files (seeds/traffic/*.json): what the load driver's virtual clients send. Each virtual client
// replays the file's ops in order, cycling, with templates filled in per op:
//
//   {client}  the virtual client's number (1-based)
//   {n}       that client's op counter (1-based)
//   {uid}     unique per op within a run: `c<client>-n<n>`, e.g. c12-n345
//   {seen}    the value this client last saw for the body's `key` (its last kv::get, kv::set, kv::cas or
//             kv::delete of that key that was acknowledged; null before any): a whole string "{seen}"
//             becomes that JSON value, so `{"expect": "{seen}"}` makes a compare-and-set on what the
//             client last saw. Inside a longer string it is the value's JSON text.
//   {seenVersion}  the version that answer reported for the key (0 before any, or after a delete): a
//             whole string "{seenVersion}" becomes the number, so `{"ifVersion": "{seenVersion}"}` makes
//             a versioned write on what the client last saw.
//
// Templates are substituted in `shardKey` and in every string value of `body` (object keys and
// non-string values are left alone). `weight` (default 1) repeats an op that many times in a row
// within the cycle: ops [set w1, get w3] cycle as set, get, get, get.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { z } from 'zod';

export const TRAFFIC_DIR = join(import.meta.dirname, '../../seeds/traffic');
export const TEMPLATE_NAMES = ['client', 'n', 'uid', 'seen', 'seenVersion'] as const;
const WHOLE_SEEN = '{seen}';
const WHOLE_SEEN_VERSION = '{seenVersion}';
const TEMPLATE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

// Procedure and shard key become request headers: no line breaks or other control characters.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const required = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined) });

const TrafficOpSchema = z.strictObject({
  procedure: z
    .string(required('the procedure name, e.g. "kv::set"'))
    .min(1, 'must not be empty')
    .regex(NO_CONTROL, 'must not contain control characters (it is sent as a header)'),
  shardKey: z
    .string()
    .min(1, 'must not be empty (leave it out for no Rpc-Shard-Key)')
    .regex(NO_CONTROL, 'must not contain control characters (it is sent as a header)')
    .optional(),
  body: z.unknown().refine((v) => v !== undefined, 'required: the request body (any JSON value)'),
  weight: z.number().int('must be a whole number').positive('must be at least 1').optional(),
});

const TrafficFileSchema = z.strictObject({
  name: z.string(required('a short name')).min(1, 'must not be empty'),
  description: z.string(required('what the traffic is for')),
  ops: z.array(TrafficOpSchema, required('a list of ops')).min(1, 'needs at least one op'),
});

export interface TrafficOp {
  readonly procedure: string;
  readonly shardKey?: string;
  readonly body: unknown;
  readonly weight?: number;
}

/** One op as sent: templates filled in for one client's n-th op. */
export interface ConcreteOp {
  readonly procedure: string;
  readonly shardKey?: string;
  readonly body: unknown;
  readonly client: number;
  readonly n: number;
  readonly uid: string;
  /** The op's index in the file's `ops`. */
  readonly opIndex: number;
}

export class TrafficError extends Error {
  override name = 'TrafficError';
}

export class Traffic {
  /** The ops in cycle order, each repeated `weight` times. */
  private readonly cycle: { op: TrafficOp; index: number; templated: boolean; usesSeen: boolean }[];

  private constructor(
    readonly name: string,
    readonly description: string,
    readonly ops: readonly TrafficOp[],
    /** Where it came from (a path, or a label for inline traffic): named in errors. */
    readonly source: string,
  ) {
    this.cycle = ops.flatMap((op, index) => {
      const templated = hasTemplate(op.shardKey) || hasTemplate(op.body);
      const usesSeen = /\{seen(Version)?\}/.test(JSON.stringify([op.shardKey, op.body]));
      return Array.from({ length: op.weight ?? 1 }, () => ({ op, index, templated, usesSeen }));
    });
  }

  /** Validates a parsed traffic document; errors name `source` and the field (e.g. `ops[2].body.key`). */
  static parse(doc: unknown, source: string): Traffic {
    const result = TrafficFileSchema.safeParse(doc);
    if (!result.success) {
      const lines = result.error.issues.map((i) => `${source}: ${fieldPath(i.path)}: ${i.message}`);
      throw new TrafficError(`invalid traffic file\n${lines.join('\n')}`);
    }
    const file = result.data;
    const problems: string[] = [];
    file.ops.forEach((op, i) => {
      for (const [path, name] of templatesIn(op.shardKey, `ops[${i}].shardKey`)) problems.push(unknownTemplate(source, path, name));
      for (const [path, name] of templatesIn(op.body, `ops[${i}].body`)) problems.push(unknownTemplate(source, path, name));
    });
    if (problems.length > 0) throw new TrafficError(`invalid traffic file\n${problems.join('\n')}`);
    return new Traffic(file.name, file.description, file.ops as TrafficOp[], source);
  }

  /** Reads `seeds/traffic/<name>.json`, or a path (anything with a slash or ending in .json). */
  static async load(nameOrPath: string): Promise<Traffic> {
    const path = /[\\/]|\.json$/.test(nameOrPath) ? nameOrPath : join(TRAFFIC_DIR, `${nameOrPath}.json`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const known = listTraffic();
      throw new TrafficError(`${path}: cannot read traffic file (${(error as Error).message}); known traffic: ${known.join(', ') || '(none)'}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new TrafficError(`${path}: not JSON: ${(error as Error).message}`);
    }
    return Traffic.parse(doc, path);
  }

  /** Ops per cycle, weights counted. */
  get cycleLength(): number {
    return this.cycle.length;
  }

  /**
   * The `n`-th op (1-based) of virtual client `client` (1-based), templates filled in; `seen(key)` is what
   * the client last saw of a key (the driver keeps it from the answers, see `observed`).
   */
  opFor(client: number, n: number, seen: (key: string) => Seen | undefined = () => undefined): ConcreteOp {
    const entry = this.cycle[(n - 1) % this.cycle.length]!;
    const uid = `c${client}-n${n}`;
    const { op } = entry;
    if (!entry.templated) return { procedure: op.procedure, shardKey: op.shardKey, body: op.body, client, n, uid, opIndex: entry.index };
    // {seen} needs the body's key, itself maybe templated: it is looked up only by ops that use it.
    const named = { client: String(client), n: String(n), uid };
    const keyTemplate = (op.body as { key?: unknown } | null)?.key;
    const key =
      entry.usesSeen && typeof keyTemplate === 'string'
        ? keyTemplate.replace(TEMPLATE, (t, name: string) => (name in named ? named[name as keyof typeof named] : t))
        : undefined;
    const saw = key === undefined ? undefined : seen(key);
    const seenValue = saw?.value ?? null;
    const seenVersion = saw?.version ?? 0;
    const fill = (s: string): unknown => {
      if (s === WHOLE_SEEN) return seenValue;
      if (s === WHOLE_SEEN_VERSION) return seenVersion;
      return s.replace(TEMPLATE, (_, name: keyof typeof named | 'seen' | 'seenVersion') =>
        name === 'seen' ? JSON.stringify(seenValue) : name === 'seenVersion' ? String(seenVersion) : named[name],
      );
    };
    return {
      procedure: op.procedure,
      shardKey: op.shardKey === undefined ? undefined : String(fill(op.shardKey)),
      body: substitute(op.body, fill),
      client,
      n,
      uid,
      opIndex: entry.index,
    };
  }
}

/** What a client last saw of a key: its value and version. */
export interface Seen {
  readonly value: unknown;
  readonly version: number;
}

/**
 * What an acknowledged kv answer tells its client about a key (for `{seen}`, `{seenVersion}`): a read's
 * value, a set's own value, a cas's current value (set or found), each with the version the answer
 * gave (0 when it gave none); null at version 0 after a delete.
 */
export function observed(op: Pick<ConcreteOp, 'procedure' | 'body'>, result: unknown): ({ key: string } & Seen) | undefined {
  const body = op.body as { key?: unknown; value?: unknown } | null;
  if (typeof body?.key !== 'string') return undefined;
  const answer = result as { value?: unknown; version?: unknown } | null | undefined;
  const version = typeof answer?.version === 'number' ? answer.version : 0;
  switch (op.procedure) {
    case 'kv::get':
    case 'kv::cas':
      return answer && 'value' in answer ? { key: body.key, value: answer.value ?? null, version } : undefined;
    case 'kv::set':
      return { key: body.key, value: body.value ?? null, version };
    case 'kv::delete':
      return { key: body.key, value: null, version: 0 };
    default:
      return undefined;
  }
}

/** Names of the traffic files in seeds/traffic/, without `.json`. */
export function listTraffic(dir = TRAFFIC_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => basename(f, '.json'))
      .sort();
  } catch {
    return [];
  }
}

function substitute(value: unknown, fill: (s: string) => unknown): unknown {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, fill));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, fill)]));
  return value;
}

function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return new RegExp(TEMPLATE.source).test(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

/** Unknown template names, with the field they are in. */
function templatesIn(value: unknown, path: string): [string, string][] {
  if (typeof value === 'string') {
    return [...value.matchAll(TEMPLATE)].flatMap((m) => ((TEMPLATE_NAMES as readonly string[]).includes(m[1]!) ? [] : [[path, m[1]!] as [string, string]]));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templatesIn(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => templatesIn(v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`));
  }
  return [];
}

function unknownTemplate(source: string, path: string, name: string): string {
  return `${source}: ${path}: unknown template {${name}}; known: ${TEMPLATE_NAMES.map((t) => `{${t}}`).join(', ')}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
