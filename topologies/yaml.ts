// Topology files: `topologies/<Name>.yaml` describes a topology in the same shape a builder produces
// (format reference: topologies/README.md). The file is validated by the same schema as the builders, and
// every problem is reported as `<file>:<line>:<col> <field.path>: <message>`, so editors link to the spot.
import { readFileSync } from 'node:fs';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { clusterIdFor, FAST_TIMERS } from './builder';
import { checkTopology, formatPath, TopologyError, type Topology, type TopologyProblem } from './schema';

/** One problem in a topology file, at a 1-based line and column. `path` is empty for YAML syntax errors. */
export interface TopologyFileProblem {
  readonly line: number;
  readonly col: number;
  readonly path: string;
  readonly message: string;
}

export class TopologyFileError extends TopologyError {
  override name = 'TopologyFileError';
  constructor(
    /** The file as shown in messages (relative to the working directory when inside it). */
    readonly file: string,
    readonly problems: readonly TopologyFileProblem[],
  ) {
    super(`topology file ${file} is invalid:\n${problems.map((p) => `  ${formatProblem(file, p)}`).join('\n')}`);
  }
}

/** `topologies/Foo.yaml:12:7 nodes.2.region: unknown region "north"; declared: east, west` */
export function formatProblem(file: string, p: TopologyFileProblem): string {
  return `${file}:${p.line}:${p.col} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Reads and validates a topology file. Its `name` must equal the file's base name. */
export function loadTopologyFile(path: string): Topology {
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TopologyError(`topology file ${shown} cannot be read: ${(e as Error).message}`);
  }
  return parseTopologyYaml(text, shown, basename(path, extname(path)));
}

/**
 * Validates YAML text as a topology. `file` is used in messages; `expectedName`, when given, is what `name`
 * must be (the file's base name).
 */
export function parseTopologyYaml(text: string, file: string, expectedName?: string): Topology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new TopologyFileError(
      file,
      doc.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1_000 });
  } catch (e) {
    throw new TopologyFileError(file, [{ line: 1, col: 1, path: '', message: `YAML error: ${(e as Error).message}` }]);
  }

  const result = checkTopology(withDefaults(raw));
  const name = isPlainObject(raw) ? raw.name : undefined;
  const derivedClusterId = isPlainObject(raw) && raw.clusterId === undefined && typeof name === 'string';
  const problems: Array<TopologyProblem & { at?: string[] }> = (result.ok ? [] : result.problems).map((p) =>
    // A clusterId the file does not set comes from the name: say so, and point at the name.
    derivedClusterId && p.path.length === 1 && p.path[0] === 'clusterId'
      ? { path: ['clusterId'], message: `"${clusterIdFor(name)}" (derived from name "${name}") ${p.message}; set clusterId explicitly`, at: ['name'] }
      : p,
  );
  if (expectedName !== undefined && typeof name === 'string' && name !== expectedName) {
    problems.push({ path: ['name'], message: `"${name}" must equal the file's base name "${expectedName}" (rename the file or the topology)` });
  }
  if (result.ok && problems.length === 0) return result.topology;

  const located = problems
    .map((p) => ({ ...at(locate(doc, p.at ?? p.path, p.key === true)), path: formatPath(p.path), message: p.message }))
    .sort((a, b) => a.line - b.line || a.col - b.col);
  throw new TopologyFileError(file, located);
}

/** What a file may leave out: `clusterId` (from the name, as builders do) and any timer (FAST_TIMERS). */
function withDefaults(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  if (out.clusterId === undefined && typeof out.name === 'string') out.clusterId = clusterIdFor(out.name);
  if (out.timers === undefined) out.timers = { ...FAST_TIMERS };
  else if (isPlainObject(out.timers)) out.timers = { ...FAST_TIMERS, ...out.timers };
  return out;
}

/**
 * The source offset for a problem at `path`: the value there (or its key, for an unknown field), else the
 * nearest enclosing node that exists in the file (a missing field is reported at its mapping).
 */
export function locate(doc: Document, path: readonly (string | number)[], atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, seg] of path.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      next = atKey && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
      if (rangeStart(next) === undefined) next = pair.key;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    } else {
      break;
    }
    const start = rangeStart(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path);
}
