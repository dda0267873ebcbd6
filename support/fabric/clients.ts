// Background clients: N logical clients, each calling one procedure in a loop against the cluster's
// nodes (round robin), every call recorded in the scenario's history. Bounded: they stop when told,
// at their deadline, or at teardown.
import type { RelayNode } from '../cluster/relay-node';
import type { OpHistory } from '../checks/history';
import { completionOfAnswer } from './outcome';

export interface ClientsOptions {
  readonly procedure: string;
  readonly clients: number;
  /** Pause between one client's calls. */
  readonly intervalMs: number;
  /** Hard bound on how long they run. */
  readonly maxRunMs: number;
  readonly body?: unknown;
}

export class BackgroundClients {
  private readonly stopped = new AbortController();
  private readonly done: Promise<void>;

  constructor(nodes: () => readonly RelayNode[], history: OpHistory, opts: ClientsOptions) {
    const deadline = setTimeout(() => this.stopped.abort(), opts.maxRunMs);
    this.done = Promise.all(
      Array.from({ length: opts.clients }, async (_, c) => {
        for (let i = c; !this.stopped.signal.aborted; i++) {
          const all = nodes();
          const node = all[i % all.length]!;
          await history
            .record(
              { process: `client-${c + 1}`, f: opts.procedure, target: node.id, value: opts.body },
              () => node.call(opts.procedure, opts.body ?? {}),
              completionOfAnswer,
            )
            .catch(() => undefined); // a transport error is recorded as info; the client goes on
          await new Promise((r) => setTimeout(r, opts.intervalMs));
        }
      }),
    ).then(() => clearTimeout(deadline));
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.done;
  }
}
