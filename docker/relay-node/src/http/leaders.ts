// GET /control/leaders[?scope=] and the SSE stream GET /control/events/leadership[?scope=].
// Enums are integers here (control routes). The stream starts with one Snapshot per current
// holder, then relays events as this node observes them, with a comment heartbeat every 5 s.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LeadershipEvents } from '../leadership/events';
import { makeEvent } from '../leadership/events';
import { type LeadershipEvent, LeadershipEventKind, type LeaseToken } from '../leadership/types';
import { writeJson } from './respond';
import { clock } from '../clock';

const HEARTBEAT_MS = 5000;

export interface LeaderSource {
  tokens(scope?: string): LeaseToken[];
}

export function writeLeaders(res: ServerResponse, source: LeaderSource | undefined, scope: string | undefined): void {
  writeJson(res, 200, { generatedAt: clock.iso(), tokens: source?.tokens(scope) ?? [] });
}

export function streamLeadershipEvents(
  req: IncomingMessage,
  res: ServerResponse,
  source: LeaderSource | undefined,
  events: LeadershipEvents,
  scope: string | undefined,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: LeadershipEvent): void => {
    if (scope === undefined || event.scope === scope) res.write(`data: ${JSON.stringify(event)}\n\n`);
  };
  res.write(': leadership events\n\n');
  for (const token of source?.tokens(scope) ?? []) send(makeEvent(LeadershipEventKind.Snapshot, token.scope, token, 'snapshot'));
  const unsubscribe = events.subscribe(send);
  const heartbeat = setInterval(() => res.write(`: heartbeat ${clock.iso()}\n\n`), HEARTBEAT_MS);
  const cleanup = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', cleanup);
  res.on('close', cleanup);
}
