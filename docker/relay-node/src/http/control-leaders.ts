// Promotion and release (feature:mesh-promotion; OmniRelay's docs call the operation "clusters
// promote", the real host has no such route):
//   POST /control/leaders/promote {scope}              sent to the node to promote
//   POST /control/leaders/release {scope, fenceToken}  releases only if this node holds exactly that fence
// Errors answer {message} with 400 (malformed body), 409 (not eligible / not that fence / lost the
// race) or 503 (leadership disabled, draining, etcd unreachable).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MembershipTable } from '../gossip/membership';
import { ControlError, type LeadershipService, type ReleaseAsker } from '../leadership/leadership';
import { errorMessage, type Logger } from '../log';
import { formatHostPort, httpEndpointOf } from '../rpc/http-endpoints';
import type { NodeState } from '../state';
import { writeJson } from './respond';
import { parseJsonObject, readBody } from './body';
import { clock } from '../clock';

export const PROMOTE_PATH = '/control/leaders/promote';
export const RELEASE_PATH = '/control/leaders/release';
/** How long a promotion waits for the incumbent to release before revoking its lease. */
export const RELEASE_ASK_TIMEOUT_MS = 1000;

export interface ControlLeadersDeps {
  leadership: LeadershipService | undefined;
  state: NodeState;
  table: MembershipTable;
  httpPort: number;
  log: Logger;
}

export async function handlePromote(req: IncomingMessage, res: ServerResponse, deps: ControlLeadersDeps): Promise<void> {
  await control(req, res, deps, async (body, leadership) => {
    const scope = scopeOf(body);
    const started = clock.monotonic();
    const result = await leadership.promote(scope, releaseAsker(deps));
    deps.log.info('promotion done', { ...result, ms: clock.monotonic() - started });
    return result;
  });
}

export async function handleRelease(req: IncomingMessage, res: ServerResponse, deps: ControlLeadersDeps): Promise<void> {
  await control(req, res, deps, async (body, leadership) => {
    const scope = scopeOf(body);
    const fenceToken = body.fenceToken;
    if (typeof fenceToken !== 'number' || !Number.isSafeInteger(fenceToken)) throw new ControlError(400, '`fenceToken` must be an integer');
    const token = await leadership.releaseOnRequest(scope, fenceToken);
    deps.log.info('released on request', { scope, fenceToken });
    return { scope, leaderId: token.leaderId, term: token.term, fenceToken: token.fenceToken };
  });
}

async function control(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ControlLeadersDeps,
  action: (body: Record<string, unknown>, leadership: LeadershipService) => Promise<unknown>,
): Promise<void> {
  try {
    const body = await readJsonObject(req);
    if (!deps.leadership) throw new ControlError(503, 'leadership is disabled on this node (no RELAY_ETCD_ENDPOINTS)');
    if (deps.state.draining) throw new ControlError(503, 'node is draining');
    writeJson(res, 200, await action(body, deps.leadership));
  } catch (error) {
    if (error instanceof ControlError) writeJson(res, error.httpStatus, { message: error.message });
    else throw error;
  }
}

/** Asks the incumbent over plain HTTP, with a 1 s timeout. */
function releaseAsker(deps: ControlLeadersDeps): ReleaseAsker {
  return async (holder) => {
    const target = formatHostPort(httpEndpointOf(holder.leaderId, deps.table, deps.httpPort));
    try {
      const response = await fetch(`http://${target}${RELEASE_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope: holder.scope, fenceToken: holder.fenceToken }),
        signal: AbortSignal.timeout(RELEASE_ASK_TIMEOUT_MS),
      });
      const text = await response.text();
      deps.log.info('promotion: asked the incumbent to release', { incumbent: holder.leaderId, target, status: response.status, answer: text.slice(0, 200) });
      return response.status === 200 ? 'released' : 'refused';
    } catch (error) {
      deps.log.warn('promotion: incumbent did not answer', { incumbent: holder.leaderId, target, error: errorMessage(error) });
      return 'no-answer';
    }
  };
}

function scopeOf(body: Record<string, unknown>): string {
  if (typeof body.scope !== 'string' || body.scope === '') throw new ControlError(400, '`scope` must be a non-empty string, e.g. global-control');
  return body.scope;
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, 64 * 1024, () => new ControlError(400, 'body too large'));
  return parseJsonObject(body.toString('utf8') || '{}', () => new ControlError(400, 'body must be a JSON object'));
}
