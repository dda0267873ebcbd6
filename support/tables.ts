// Data tables authors write, parsed into typed values with errors that name the offending row.
import type { DataTable } from '@cucumber/cucumber';
import { FAST_TIMERS, type Timers } from '../topologies';

export class TableError extends Error {
  override name = 'TableError';
}

/** `| leaseTtlMs | 8000 |` rows → timer overrides; unknown names and non-numbers are rejected by row. */
export function timerTable(table: DataTable | string[][]): Partial<Timers> {
  const rows = Array.isArray(table) ? table : table.raw();
  const known = Object.keys(FAST_TIMERS);
  const timers: Record<string, number> = {};
  rows.forEach((row, i) => {
    const [name, value, ...extra] = row.map((c) => c.trim());
    const where = `timers table, row ${i + 1} (| ${row.join(' | ')} |)`;
    if (!name || value === undefined || extra.length > 0) throw new TableError(`${where}: expected two cells, | <timer> | <milliseconds> |`);
    if (!known.includes(name)) throw new TableError(`${where}: unknown timer "${name}"; timers: ${known.join(', ')}`);
    const ms = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(ms) || ms <= 0) throw new TableError(`${where}: "${value}" is not a whole number of milliseconds`);
    if (name in timers) throw new TableError(`${where}: "${name}" is set twice`);
    timers[name] = ms;
  });
  return timers as Partial<Timers>;
}

/** One group of a partition as the author wrote it: a name and member tokens, resolved later. */
export interface GroupRow {
  readonly name: string;
  readonly members: readonly string[];
}

/**
 * `| group | members |` rows. Members are comma-separated: node or etcd ids, `region <name>` (its relay
 * nodes and etcd members), a member phrase (`the global leader`, `the owner of shard-07`; support/members.ts), `one other node` / `two other nodes` / `<n> other nodes`
 * (relay nodes not named elsewhere, by id), `the fault proxy` (the proxy container, when the topology has one:
 * cutting it from a region degrades every proxied path of that region), and `everyone else` (every relay
 * node and etcd member not named in another row; never the proxy).
 */
export function groupTable(table: DataTable | string[][]): GroupRow[] {
  const rows = Array.isArray(table) ? table : table.raw();
  const [header, ...body] = rows;
  if (!header || header.map((c) => c.trim().toLowerCase()).join('|') !== 'group|members') {
    throw new TableError('partition table: the first row must be the header | group | members |');
  }
  if (body.length < 2) throw new TableError('partition table: name at least two groups');
  const seen = new Set<string>();
  return body.map((row, i) => {
    const [name, members] = row.map((c) => c.trim());
    const where = `partition table, row ${i + 2} (| ${row.join(' | ')} |)`;
    if (!name || !members) throw new TableError(`${where}: expected | <group name> | <members, comma-separated> |`);
    if (seen.has(name)) throw new TableError(`${where}: group "${name}" is named twice`);
    seen.add(name);
    return {
      name,
      members: members
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    };
  });
}

const COUNT_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4 };

/**
 * Resolves member tokens to ids. `named` holds the single-node phrases the rows use (`the global leader`,
 * `the owner of shard-07`), already resolved by the Members noun against the running cluster; `relay`
 * and `etcd` list the topology's ids. Throws naming the token it cannot resolve.
 */
export function resolveGroups(
  rows: readonly GroupRow[],
  ids: { named: ReadonlyMap<string, string>; relay: readonly string[]; etcd: readonly string[]; regionOf?: (id: string) => string | undefined; proxy?: string },
): Record<string, string[]> {
  const all = [...ids.relay, ...ids.etcd];
  const taken = new Set<string>();
  const groups: Record<string, string[]> = {};
  const inRegion = (token: string) => {
    const region = /^region (\S+)$/.exec(token)?.[1];
    if (region === undefined) return undefined;
    const members = all.filter((id) => ids.regionOf?.(id) === region);
    if (members.length === 0) throw new TableError(`"${token}": no node or etcd member is in region "${region}"`);
    return members;
  };
  const explicit = rows.flatMap((r) => r.members.flatMap((m) => (all.includes(m) ? [m] : ids.named.has(m) ? [ids.named.get(m)!] : (inRegion(m) ?? []))));
  for (const id of explicit) taken.add(id);
  // Counted and "everyone else" tokens are resolved after every explicit name is known.
  for (const row of rows) {
    groups[row.name] = [];
    for (const token of row.members) {
      if (all.includes(token)) groups[row.name]!.push(token);
      else if (ids.named.has(token)) groups[row.name]!.push(ids.named.get(token)!);
      else if (token === 'the fault proxy') {
        if (!ids.proxy) throw new TableError('"the fault proxy": this topology routes no link through a fault proxy');
        groups[row.name]!.push(ids.proxy);
      } else groups[row.name]!.push(...(inRegion(token) ?? []));
    }
  }
  for (const row of rows) {
    for (const token of row.members) {
      const counted = /^(\w+) other nodes?$/.exec(token);
      if (!counted) continue;
      const n = COUNT_WORDS[counted[1]!] ?? Number(counted[1]);
      if (!Number.isInteger(n) || n < 1) throw new TableError(`"${token}": say how many, e.g. "one other node" or "2 other nodes"`);
      const pick = ids.relay
        .filter((id) => !taken.has(id))
        .sort()
        .slice(0, n);
      if (pick.length < n) throw new TableError(`"${token}": only ${pick.length} relay nodes are left to pick`);
      for (const id of pick) taken.add(id);
      groups[row.name]!.push(...pick);
    }
  }
  for (const row of rows) {
    for (const token of row.members) {
      if (all.includes(token) || ids.named.has(token) || token === 'the fault proxy' || /^(\w+) other nodes?$/.test(token) || /^region \S+$/.test(token))
        continue;
      if (token !== 'everyone else') {
        throw new TableError(
          `unknown member "${token}" in group "${row.name}"; use ids (${all.join(', ')}), "region <name>", "the global leader", "the owner of shard-07", "one other node", "the fault proxy", or "everyone else"`,
        );
      }
      groups[row.name]!.push(...all.filter((id) => !taken.has(id)));
      for (const id of all) taken.add(id);
    }
  }
  return groups;
}
