// Judgements over what nodes export about themselves: Prometheus counters of leadership changes and a
// metric's value on one node, and trace spans a receiver holds. Pure, so unit-tested.
import { sumOf, type Sample } from './prometheus';

const TRANSITIONS = 'mesh_leadership_transitions_total';

/**
 * The new holder counts its own promotion or election to `scope`, and a witness (another node) counts a
 * transition naming it.
 */
export function transitionsRecordedProblems(
  scope: string,
  holder: { id: string; samples: readonly Sample[] },
  witness: { id: string; samples: readonly Sample[] },
): string[] {
  const own = (transition: string) => sumOf(holder.samples, TRANSITIONS, { mesh_scope: scope, mesh_leader: holder.id, mesh_transition: transition });
  return [
    ...(own('promoted') + own('elected') >= 1 ? [] : [`${holder.id}'s ${TRANSITIONS} has no promoted/elected transition for ${scope}`]),
    ...(sumOf(witness.samples, TRANSITIONS, { mesh_scope: scope, mesh_leader: holder.id }) >= 1
      ? []
      : [`${witness.id}'s ${TRANSITIONS} has no transition naming ${holder.id} for ${scope}`]),
  ];
}

/** `metric` summed over the series with `labels` is at least `atLeast` on `node`; the series are shown when not. */
export function metricAtLeastProblems(node: string, samples: readonly Sample[], metric: string, labels: Record<string, string>, atLeast: number): string[] {
  const value = sumOf(samples, metric, labels);
  if (value >= atLeast) return [];
  const shown = samples.filter((s) => s.name === metric);
  return [
    `${node}'s ${metric}${JSON.stringify(labels)} is ${value}; series: ${shown.map((s) => `${JSON.stringify(s.labels)} ${s.value}`).join('; ') || 'none'}`,
  ];
}

/** One wanted span: its name, an attribute and the value it must have, and the spans of that name seen. */
export interface SpanWanted {
  readonly span: string;
  readonly attribute: string;
  readonly value: string;
  readonly seen: readonly { readonly attributes: Readonly<Record<string, unknown>> }[];
}

/** Each wanted span has a seen span of its name whose attribute has the value; the others say what was seen. */
export function spanProblems(wanted: readonly SpanWanted[]): string[] {
  return wanted
    .filter((w) => !w.seen.some((s) => String(s.attributes[w.attribute]) === w.value))
    .map(
      (w) =>
        `no ${w.span} span with ${w.attribute}=${w.value} (${w.seen.length} ${w.span} spans; ${w.attribute} seen: ${[...new Set(w.seen.map((s) => String(s.attributes[w.attribute])))].join(', ') || 'none'})`,
    );
}

/** Each node's call was answered, with 200, by `holder` itself. */
export function servedByHolderProblems(
  answers: readonly { node: string; answer: Error | { status: number; answeredBy?: string; body: unknown } }[],
  holder: string,
): string[] {
  return answers.flatMap(({ node, answer }) => {
    if (answer instanceof Error) return [`${node}: no answer (${answer.message})`];
    if (answer.status !== 200) return [`${node}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`];
    return answer.answeredBy === holder ? [] : [`${node}: served by ${answer.answeredBy ?? '(no node header)'}, not by the leader ${holder}`];
  });
}
