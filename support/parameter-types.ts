// Typed nouns for steps: authors write words, steps receive values.
import { defineParameterType } from '@cucumber/cucumber';
import { shardIdsOf } from './cluster/shard-seeds';
import { listTraffic } from './fabric/traffic';
import { Duration } from './duration';
import { MEMBER_REGEXP, memberOf } from './members';
import { ENTRY_REGEXP, LOAD_REGEXP, entryOf, loadOf } from './load';

export { Duration } from './duration';

const UNIT_MS: Record<string, number> = { ms: 1, millisecond: 1, milliseconds: 1, s: 1000, second: 1000, seconds: 1000, minute: 60_000, minutes: 60_000 };

defineParameterType({
  name: 'duration',
  regexp: /(\d+(?:\.\d+)?) ?(ms|milliseconds?|s|seconds?|minutes?)/,
  transformer: (amount: string, unit: string) => new Duration(Math.round(Number(amount) * UNIT_MS[unit]!)),
});

defineParameterType({
  name: 'topology',
  regexp: /"([A-Za-z][A-Za-z0-9]*)"/,
  transformer: (name: string) => name,
});

/**
 * One node, as authors name it: `"east-1"`, `the global leader`, `the previous global leader`, `the owner
 * of shard-07` (support/members.ts). Parsed here, so an unknown shard fails the dry run; steps resolve it
 * against the running cluster through the Members noun.
 */
defineParameterType({
  name: 'member',
  regexp: MEMBER_REGEXP,
  transformer: (phrase: string) => memberOf(phrase, 'step'),
});

/** A region name: a single lowercase word ("east"); node ids always carry a dash ("east-1"). */
defineParameterType({
  name: 'region',
  regexp: /"([a-z][a-z0-9]*)"/,
  transformer: (name: string) => name,
});

defineParameterType({
  name: 'procedure',
  regexp: /"([A-Za-z0-9_.:-]+)"/,
  transformer: (name: string) => name,
});

defineParameterType({
  name: 'peerStatus',
  regexp: /"(Alive|Suspect|Left)"/,
  transformer: (status: string) => status,
});

/** A shard of the default namespace by its fixed id from seeds/shards/ ("shard-42"). */
defineParameterType({
  name: 'shard',
  regexp: /shard-\d+/,
  transformer: (id: string) => {
    const known = shardIdsOf('mesh.control');
    if (!known.includes(id)) throw new Error(`unknown shard "${id}": the ids are ${known[0]} … ${known[known.length - 1]} (seeds/shards/mesh.control.json)`);
    return id;
  },
});

/** A traffic file in seeds/traffic/ by name ("hot-shard"). */
defineParameterType({
  name: 'traffic',
  regexp: /"([a-z0-9][a-z0-9-]*)" traffic/,
  transformer: (name: string) => {
    const known = listTraffic();
    if (!known.includes(name)) throw new Error(`unknown traffic "${name}": seeds/traffic/ has ${known.join(', ')}`);
    return name;
  },
});

/** How much load: "8 clients", "50 calls per second", "8 clients at 50 calls per second" (support/load.ts). */
defineParameterType({ name: 'load', regexp: LOAD_REGEXP, transformer: loadOf });

/** Where calls enter: "through every node", "from region \"west\"", "routed to shard owners" (support/load.ts). */
defineParameterType({ name: 'entry', regexp: ENTRY_REGEXP, transformer: entryOf });
