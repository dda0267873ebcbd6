// Typed nouns for steps: authors write words, steps receive values.
import { defineParameterType } from '@cucumber/cucumber';

/** A span of time: "15 seconds", "500 ms", "2 minutes". */
export class Duration {
  constructor(readonly ms: number) {}
  toString(): string {
    return this.ms % 1000 === 0 ? `${this.ms / 1000} s` : `${this.ms} ms`;
  }
}

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

defineParameterType({
  name: 'node',
  regexp: /"([a-z][a-z0-9]*-[a-z0-9-]+)"/,
  transformer: (id: string) => id,
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
