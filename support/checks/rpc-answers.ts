// Judgements over direct answers from every node: each is ready, and each answers a call itself, intact.
// Pure, so unit-tested.
import type { Readiness, RpcResponse } from '../fabric/contract';
import type { Views } from './cluster-views';

/** Every node's `/readyz` answered 200; the others are named with the issues they gave. */
export function readinessProblems(views: Views<{ status: number; body: Pick<Readiness, 'issues'> }>): string[] {
  return [...views].flatMap(([id, r]) => (r.status === 200 ? [] : [`${id}: /readyz ${r.status} ${JSON.stringify(r.body.issues)}`]));
}

/** Each node answered the payload it was sent, unchanged, and said so itself (the answered-by header). */
export function answeredItselfProblems(
  answers: Views<{ sent: unknown; response: Pick<RpcResponse, 'status' | 'rpcStatus' | 'answeredBy' | 'body'> }>,
): string[] {
  return [...answers].flatMap(([id, { sent, response }]) => {
    const p: string[] = [];
    if (response.status !== 200) p.push(`${id}: HTTP ${response.status} ${response.rpcStatus ?? ''} ${JSON.stringify(response.body)}`);
    else if (JSON.stringify(response.body) !== JSON.stringify(sent)) p.push(`${id}: answered ${JSON.stringify(response.body)}, sent ${JSON.stringify(sent)}`);
    if (response.answeredBy !== id) p.push(`${id}: the call was answered by ${response.answeredBy ?? '(no node header)'}`);
    return p;
  });
}
