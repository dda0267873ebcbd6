// Member phrases: how authors name one node in steps, partition tables and fault schedules. Parsed here,
// offline (the {member} parameter type, the table parsers), so a bad phrase fails before Docker; turned
// into a node id against the running cluster by the Members noun (support/scenario/nouns/members.ts),
// the one resolver every step and table goes through.
import { shardIdsOf } from './cluster/shard-seeds';

/** One node, as an author names it. */
export type Member =
  /** `"east-1"` in a step, `east-1` in a table. */
  | { readonly kind: 'id'; readonly id: string }
  /** The current holder of global-control, not counting holders a fault step already took down. */
  | { readonly kind: 'global leader' }
  /** The last global leader a fault step took down. */
  | { readonly kind: 'previous global leader' }
  /** The node the shard map names as the shard's owner now. */
  | { readonly kind: 'owner'; readonly shard: string };

const ID = /^"?([a-z][a-z0-9]*-[a-z0-9-]+)"?$/;
const OWNER = /^the owner of (shard-\d+)$/;

/** What the {member} parameter type matches, quotes included around ids (cucumber-expressions' own form). */
export const MEMBER_REGEXP = /"[a-z][a-z0-9]*-[a-z0-9-]+"|the previous global leader|the global leader|the owner of shard-\d+/;

/** The phrases, for error messages. */
export const MEMBER_PHRASES = 'a node id ("east-1"), "the global leader", "the previous global leader" or "the owner of shard-07"';

export class MemberError extends Error {
  override name = 'MemberError';
}

/**
 * The member a phrase names, or undefined when it is no member phrase (a region, a count, a value). A
 * shard the seeds do not have is an error here, not minutes into a run.
 */
export function parseMember(text: string): Member | undefined {
  const phrase = text.trim();
  if (phrase === 'the global leader') return { kind: 'global leader' };
  if (phrase === 'the previous global leader') return { kind: 'previous global leader' };
  const owner = OWNER.exec(phrase);
  if (owner) {
    const known = shardIdsOf('mesh.control');
    if (!known.includes(owner[1]!))
      throw new MemberError(`"${phrase}": unknown shard ${owner[1]}; the ids are ${known[0]} … ${known.at(-1)} (seeds/shards/mesh.control.json)`);
    return { kind: 'owner', shard: owner[1]! };
  }
  const id = ID.exec(phrase);
  return id ? { kind: 'id', id: id[1]! } : undefined;
}

/** `parseMember`, for places that take nothing else: an error naming the phrases otherwise. */
export function memberOf(text: string, where: string): Member {
  const member = parseMember(text);
  if (!member) throw new MemberError(`${where}: "${text}" names no node; use ${MEMBER_PHRASES}`);
  return member;
}

/** How a member reads in logs and messages. */
export function describeMember(member: Member): string {
  switch (member.kind) {
    case 'id':
      return member.id;
    case 'owner':
      return `the owner of ${member.shard}`;
    default:
      return `the ${member.kind}`;
  }
}
