// Subscribes to a node's `/control/events/leadership` Server-Sent Events stream and hands every event to
// a callback, reconnecting (with backoff) until aborted: nodes are paused and killed in scenarios.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { LeaseToken } from './contract';

export interface LeadershipEvent {
  eventKind: number;
  scope: string;
  leaderId?: string;
  token?: LeaseToken;
  reason?: string;
  correlationId?: string;
  occurredAt: string;
}

/** `baseUrl` is asked anew on every (re)connection: a restarted node may be published on another port. */
export function streamLeadership(baseUrl: () => string, onEvent: (e: LeadershipEvent) => void, signal: AbortSignal): Promise<void> {
  return (async () => {
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${baseUrl()}/control/events/leadership`, { headers: { accept: 'text/event-stream' }, signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        backoffMs = 100;
        const parser = createParser({
          onEvent: (message: EventSourceMessage) => {
            try {
              onEvent(JSON.parse(message.data) as LeadershipEvent);
            } catch {
              /* a malformed event is not the suite's to crash on; the checkers see the gap */
            }
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        if (signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 1_000);
    }
  })();
}
