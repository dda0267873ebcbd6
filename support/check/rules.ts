// What `npm run check` finds wrong in a scenario, offline: every step matches one definition (else
// the nearest phrases), every parameter value passes its parameter type's own transformer (the same
// code that judges it in a real run), the topology resolves and validates, members and regions exist
// in that topology, data tables parse with the parser their step uses (`// @table <kind>` above the
// definition) and their targets resolve, and `@catches:` names a seeded defect relay-node has.
import { closest, distance } from 'fastest-levenshtein';
import { CLIENTS, TopologyError, topologyByName, topologyNames, type Topology, type TopologySources } from '../../topologies';
import { describeLink, parseSchedule, sideRows, type LinkTarget } from '../chaos/schedule';
import type { StepDefinitionLike } from '../cli/step-catalog';
import { MemberError, parseMember } from '../members';
import type { Entry } from '../load';
import { groupTable, resolveGroups, TableError, timerTable, type GroupRow } from '../tables';
import { nearestPhrases } from './nearest';
import { placeInText, type AuthoredScenario, type AuthoredStep, type AuthoredTable, type Place } from './scenarios';

export interface AuthoringProblem {
  readonly at: Place;
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** The data tables steps take, by the kind their definition declares with `// @table <kind>`. */
export const TABLE_KINDS = ['timers', 'groups', 'schedule'] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

export interface CheckContext {
  readonly definitions: ReadonlyMap<string, StepDefinitionLike>;
  readonly tableKindOf: (definition: StepDefinitionLike) => string | undefined;
  readonly defects: readonly string[];
  readonly topologies?: TopologySources;
}

export function checkScenario(scenario: AuthoredScenario, context: CheckContext): AuthoringProblem[] {
  const problems: AuthoringProblem[] = [...tagProblems(scenario, context.defects)];
  let topology: Topology | undefined;
  for (const step of scenario.steps) {
    const definition = step.definitionIds.length === 1 ? context.definitions.get(step.definitionIds[0]!) : undefined;
    if (!definition) {
      problems.push(unmatched(step, context));
      continue;
    }
    for (const arg of definition.expression.match(step.text) ?? []) {
      const name = arg.parameterType.name ?? '';
      const group = (arg as unknown as { group: { value?: string; start?: number } }).group;
      const at = placeInText(step, group.start ?? 0);
      const value = group.value ?? '';
      if (name === 'topology') {
        const resolved = resolveTopology(unquote(value), at, context.topologies);
        if ('problem' in resolved) problems.push(resolved.problem);
        else topology = resolved.topology;
        continue;
      }
      let parsed: unknown;
      try {
        parsed = arg.getValue(null);
      } catch (error) {
        problems.push({ at, message: errorText(error), fix: `write a ${name} the suite knows (see docs/step-catalog.md)` });
        continue;
      }
      if (topology && name === 'member') problems.push(...memberProblems(unquote(value), at, topology));
      // A region named inside a longer phrase (`from region "west"`) arrives parsed.
      const region = name === 'region' ? unquote(value) : name === 'entry' ? regionOfEntry(parsed) : undefined;
      if (topology && region !== undefined && !topology.regions.includes(region)) {
        problems.push(missing('region', region, at, topology.regions, topology.name));
      }
    }
    const kind = context.tableKindOf(definition);
    if (step.table && kind) problems.push(...tableProblems(kind, step.table, topology, step));
  }
  return problems;
}

function regionOfEntry(entry: unknown): string | undefined {
  const e = entry as Entry | undefined;
  return e?.kind === 'from region' ? e.region : undefined;
}

function unmatched(step: AuthoredStep, context: CheckContext): AuthoringProblem {
  const at = placeInText(step, 0);
  if (step.definitionIds.length > 1) {
    const which = step.definitionIds.map((id) => {
      const d = context.definitions.get(id);
      return d ? `${d.uri}:${d.line} ${JSON.stringify(String(d.pattern))}` : id;
    });
    return { at, message: `"${step.text}" matches ${which.length} step definitions: ${which.join(', ')}`, fix: 'make one of the patterns more specific' };
  }
  const near = nearestPhrases(step.text, [...context.definitions.values()]);
  return {
    at,
    message: `no step matches "${step.text}"`,
    fix: near.length > 0 ? `did you mean: ${near.map((p) => `"${p}"`).join(' or ')}?` : 'the phrases that exist are in docs/step-catalog.md',
  };
}

function resolveTopology(name: string, at: Place, sources: TopologySources | undefined): { topology: Topology } | { problem: AuthoringProblem } {
  const known = sources ? topologyNames(sources) : topologyNames();
  try {
    return { topology: sources ? topologyByName(name, sources) : topologyByName(name) };
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    const unknown = error.message.startsWith('Unknown topology');
    return {
      problem: {
        at,
        message: error.message,
        fix: unknown
          ? `${nearby(name, known, 4) ? `did you mean "${nearby(name, known, 4)}"? ` : ''}npm run topologies lists every topology with its nodes and regions`
          : 'correct the topology file as the message says (topologies/README.md lists the fields)',
      },
    };
  }
}

function memberProblems(phrase: string, at: Place, topology: Topology): AuthoringProblem[] {
  const member = parseMember(phrase);
  if (member?.kind !== 'id') return [];
  const ids = [...topology.nodes.map((n) => n.id), ...topology.etcd.map((e) => e.id)];
  return ids.includes(member.id) ? [] : [missing('node', member.id, at, ids, topology.name)];
}

function missing(what: string, value: string, at: Place, known: readonly string[], topology: string): AuthoringProblem {
  const near = known.length > 0 ? closest(value, [...known]) : undefined;
  return {
    at,
    message: `the "${topology}" topology has no ${what} "${value}"; its ${what}s: ${known.join(', ')}`,
    fix: near && distance(value, near) <= 2 ? `did you mean "${near}"?` : `name one of its ${what}s`,
  };
}

function tagProblems(scenario: AuthoredScenario, defects: readonly string[]): AuthoringProblem[] {
  return scenario.tags
    .filter((t) => t.name.startsWith('@catches:'))
    .filter((t) => !defects.includes(t.name.slice('@catches:'.length)))
    .map((t) => {
      const name = t.name.slice('@catches:'.length);
      const near = defects.length > 0 ? closest(name, [...defects]) : undefined;
      return {
        at: t.at,
        message: `@catches:${name} names no seeded defect of relay-node (docker/relay-node/defects.json)`,
        fix: near && distance(name, near) <= 4 ? `did you mean @catches:${near}?` : `the defects are listed in docker/relay-node/README.md`,
      };
    });
}

// ── tables ──────────────────────────────────────────────────────────────────────────────────────────
const rowsOf = (table: AuthoredTable) => table.rows.map((r) => [...r]);

function tableProblems(kind: string, table: AuthoredTable, topology: Topology | undefined, step: AuthoredStep): AuthoringProblem[] {
  try {
    if (kind === 'timers') timerTable(rowsOf(table));
    else if (kind === 'groups') return groupsProblems(groupTable(rowsOf(table)), table, topology);
    else if (kind === 'schedule') return scheduleProblems(table, topology);
    else
      return [
        { at: placeInText(step, 0), message: `the step's definition declares an unknown table kind "${kind}"`, fix: `use one of: ${TABLE_KINDS.join(', ')}` },
      ];
  } catch (error) {
    if (!(error instanceof TableError || error instanceof MemberError)) throw error;
    return [{ at: cellOfMessage(table, error.message), message: error.message, fix: tableFix(kind, error.message) }];
  }
  return [];
}

function groupsProblems(rows: readonly GroupRow[], table: AuthoredTable, topology: Topology | undefined): AuthoringProblem[] {
  const problem = topology && unresolvedGroups(rows, topology);
  return problem ? [{ at: cellOfMessage(table, problem.message), ...problem }] : [];
}

/** What resolving `rows` against the topology finds wrong, as the scenario would at run time. */
function unresolvedGroups(rows: readonly GroupRow[], topology: Topology): { message: string; fix: string } | undefined {
  try {
    resolveGroups(
      rows,
      idsFor(
        topology,
        rows.flatMap((r) => r.members),
      ),
    );
    return undefined;
  } catch (error) {
    if (!(error instanceof TableError || error instanceof MemberError)) throw error;
    return { message: `${error.message} (in the "${topology.name}" topology)`, fix: tableFix('groups', error.message) };
  }
}

function scheduleProblems(table: AuthoredTable, topology: Topology | undefined): AuthoringProblem[] {
  const entries = parseSchedule(rowsOf(table));
  if (!topology) return [];
  const problems: AuthoringProblem[] = [];
  for (const entry of entries) {
    const at = table.cellAt(entry.row, 1);
    const fault = entry.fault;
    const issue = (message: string, fix: string) => problems.push({ at, message: `fault schedule, row ${entry.row + 1}: ${message}`, fix });
    if (fault.kind === 'crash' || fault.kind === 'pause') {
      for (const p of memberProblems(fault.node, at, topology)) issue(p.message, p.fix);
    } else if (fault.kind === 'partition' || fault.kind === 'loss') {
      const problem = unresolvedGroups(sideRows(fault.sides), topology);
      if (problem) issue(problem.message, problem.fix);
    } else if ('link' in fault) {
      const problem = linkProblem(fault.link, topology);
      if (problem) issue(problem, 'name a proxied link of the topology (its links: section), or add the link');
    }
  }
  return problems;
}

/** A toxic needs a proxied path: the topology must route that link through the fault proxy. */
function linkProblem(link: LinkTarget, topology: Topology): string | undefined {
  const regions = link.kind === 'between' ? [link.a, link.b] : [link.region];
  const unknown = regions.find((r) => !topology.regions.includes(r));
  if (unknown) return `"${describeLink(link)}": the "${topology.name}" topology has no region "${unknown}"; its regions: ${topology.regions.join(', ')}`;
  const proxied = topology.links.filter((l) => {
    if (link.kind === 'clients') return l.from === CLIENTS && l.to === link.region;
    if (link.kind === 'region') return l.from === link.region || l.to === link.region;
    return (l.from === link.a && l.to === link.b) || (l.from === link.b && l.to === link.a);
  });
  if (proxied.length > 0) return undefined;
  const declared = topology.links.map((l) => `${l.from} → ${l.to}`).join(', ') || 'none';
  return `"${describeLink(link)}": the "${topology.name}" topology routes no such link through the fault proxy (its proxied links: ${declared})`;
}

/** The topology's ids; member phrases (the global leader, the owner of shard-07) stand for some relay node, known only in a run. */
function idsFor(topology: Topology, tokens: readonly string[]) {
  const named = new Map<string, string>();
  for (const token of tokens) if (parseMember(token) && !/^"?[a-z][a-z0-9]*-/.test(token)) named.set(token, `(${token})`);
  const regionOf = new Map<string, string>([...topology.nodes.map((n) => [n.id, n.region] as const), ...topology.etcd.map((e) => [e.id, e.region] as const)]);
  return {
    named,
    relay: topology.nodes.map((n) => n.id),
    etcd: topology.etcd.map((e) => e.id),
    regionOf: (id: string) => regionOf.get(id),
    ...(topology.links.length > 0 ? { proxy: 'fault-proxy' } : {}),
  };
}

/** The cell a table error is about: the row it names (`row 3`), or the cell holding the value it quotes. */
function cellOfMessage(table: AuthoredTable, message: string): Place {
  const row = /\brow (\d+)\b/.exec(message);
  if (row) return table.cellAt(Number(row[1]) - 1, 0);
  for (const quoted of message.matchAll(/"([^"]+)"/g)) {
    for (let r = 0; r < table.rows.length; r++) {
      const c = table.rows[r]!.findIndex((cell) => cell.includes(quoted[1]!));
      if (c >= 0) return table.cellAt(r, c);
    }
  }
  return table.cellAt(0, 0);
}

const FAULT_WORDS = ['latency', 'bandwidth', 'connection resets', 'connection timeouts', 'partition', 'packet loss', 'crash', 'pause'];
/** Words authors reach for first, and the fault that means it. */
const FAULT_SYNONYMS: Record<string, string> = {
  kill: 'crash',
  stop: 'crash',
  freeze: 'pause',
  suspend: 'pause',
  delay: 'latency',
  drop: 'packet loss',
  split: 'partition',
  cut: 'partition',
};

function tableFix(kind: string, message: string): string {
  const fault = /unknown fault "([^"]+)"/.exec(message)?.[1];
  if (fault) {
    const near = FAULT_SYNONYMS[fault.split(' ')[0]!.toLowerCase()] ?? closest(fault, FAULT_WORDS);
    return FAULT_SYNONYMS[fault.split(' ')[0]!.toLowerCase()] || distance(fault, near) <= 3
      ? `did you mean "${near}"? (docs/authoring-guide.md lists the faults)`
      : 'use a fault the schedule knows (docs/authoring-guide.md lists them)';
  }
  if (kind === 'timers') return 'name a timer of topologies/README.md with a whole number of milliseconds';
  if (kind === 'groups') return 'use node ids of the topology, "region <name>", a member phrase, "one other node" or "everyone else"';
  return 'write the row as | <fault> | <target> | <start> | <duration> | (docs/authoring-guide.md)';
}

/** The closest of `known` when it is within `most` edits of `value`. */
function nearby(value: string, known: readonly string[], most: number): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(value, [...known]);
  return distance(value, near) <= most ? near : undefined;
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
