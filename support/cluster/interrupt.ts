// Ctrl-C in a parallel run: signals reach only the main thread (cucumber's coordinator), while the
// workers, threads of the same process, go on starting scenarios. The coordinator tells them over a
// BroadcastChannel (it reaches every thread of this process) and they stop creating containers and
// networks, so the removal of the run's containers ends with nothing left behind.
import { BroadcastChannel } from 'node:worker_threads';
import { RUN } from './labels';

export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
}

let interrupted: string | undefined;
const channel = new BroadcastChannel(`omnirelay-hyperscale-${RUN.id}`);
channel.onmessage = (event) => {
  interrupted ??= String((event as MessageEvent).data);
};
// The channel must not keep a finished thread alive.
channel.unref();

/** In the thread that got the signal: this thread and every other one stop creating. */
export function interruptRun(signal: string): void {
  interrupted ??= signal;
  channel.postMessage(signal);
}

/** Before creating a container or a network: refuses once the run was interrupted. */
export function assertNotInterrupted(what: string): void {
  if (interrupted) throw new RunInterruptedError(`not creating ${what}: the run was interrupted (${interrupted}) and is removing its containers`);
}
