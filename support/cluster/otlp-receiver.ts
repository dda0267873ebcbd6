// The scenario's OTLP/HTTP trace receiver (docker/otlp-receiver): one container on the scenario network
// that every relay node exports its spans to (RELAY_OTLP_ENDPOINT), read back by the test process through
// its port published on 127.0.0.1.
import { publishedUrl } from './engine-host';
import { AbstractStartedContainer, type StartedTestContainer } from 'testcontainers';
import { SuiteContainer } from './container';

export const OTLP_ALIAS = 'otlp-receiver';
export const OTLP_PORT = 4318;
/** What relay nodes are told (RELAY_OTLP_ENDPOINT). */
export const OTLP_ENDPOINT = `http://${OTLP_ALIAS}:${OTLP_PORT}`;

/** One span as the receiver decoded it (attributes flattened to key → value). */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
}

/** The receiver (docker/otlp-receiver) as a testcontainers module. */
export class OtlpReceiverContainer extends SuiteContainer {
  constructor(image: string) {
    super(image);
    this.readyWhenOk('/healthz', OTLP_PORT, 'OTLP receiver');
  }

  override async start(): Promise<TelemetryReceiver> {
    return new TelemetryReceiver(await super.start());
  }
}

export class TelemetryReceiver extends AbstractStartedContainer {
  private readonly baseUrl: string;

  constructor(started: StartedTestContainer) {
    super(started);
    this.baseUrl = publishedUrl(started.getMappedPort(OTLP_PORT));
  }

  /** Spans received so far, oldest first; `name` filters exactly. */
  async spans(name?: string): Promise<ReceivedSpan[]> {
    const url = new URL('/spans', this.baseUrl);
    if (name) url.searchParams.set('name', name);
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`OTLP receiver: GET ${url.pathname}${url.search} answered ${res.status}`);
    return ((await res.json()) as { spans: ReceivedSpan[] }).spans;
  }
}
