// End to end: OpenTelemetry's own OTLP/HTTP exporter sends spans to the receiver, GET /spans returns
// them. Plus the OTLP/HTTP error answers, the queries, eviction, and the command line.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SpanKind, trace, context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseArgs } from './cli';
import { decodeTraceRequest, OtlpDecodeError, type ReceivedSpan } from './otlp-json';
import { type OtlpReceiver, startOtlpReceiver } from './server';

async function receiver(t: TestContext, maxSpans?: number): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver({ port: 0, ...(maxSpans ? { maxSpans } : {}) });
  t.after(() => r.close());
  return r;
}

async function spans(r: OtlpReceiver, query = ''): Promise<ReceivedSpan[]> {
  const res = await fetch(`${r.url}/spans${query}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { spans: ReceivedSpan[] }).spans;
}

function post(r: OtlpReceiver, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
  return fetch(`${r.url}/v1/traces`, { method: 'POST', headers, body });
}

test('spans sent by the OpenTelemetry OTLP/HTTP exporter come back from GET /spans with their attributes', async (t) => {
  const r = await receiver(t);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'relay-node', 'service.instance.id': 'west-1', 'mesh.region': 'west' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${r.url}/v1/traces` }), scheduledDelayMillis: 50 })],
  });
  t.after(() => provider.shutdown());
  const tracer = provider.getTracer('OmniRelay.Mesh', '0.1.0');
  const before = Date.now();
  const parent = tracer.startSpan('mesh.failover', {
    attributes: {
      'mesh.scope': 'global-control',
      'mesh.previous_leader': 'global-1',
      'mesh.new_leader': 'west-1',
      'mesh.vacancy_ms': 3125,
      'mesh.ratio': 0.5,
      'mesh.forced': false,
      'mesh.peers': ['a', 'b'],
    },
  });
  const child = tracer.startSpan(
    'mesh.leadership.transition',
    { kind: SpanKind.INTERNAL, attributes: { 'mesh.transition': 'Elected', 'mesh.term': 7 } },
    trace.setSpan(context.active(), parent),
  );
  child.end();
  parent.end();
  await provider.forceFlush();

  const all = await spans(r);
  assert.equal(all.length, 2);
  const failover = all.find((s) => s.name === 'mesh.failover')!;
  const transition = all.find((s) => s.name === 'mesh.leadership.transition')!;
  assert.deepEqual(failover.attributes, {
    'mesh.scope': 'global-control',
    'mesh.previous_leader': 'global-1',
    'mesh.new_leader': 'west-1',
    'mesh.vacancy_ms': 3125,
    'mesh.ratio': 0.5,
    'mesh.forced': false,
    'mesh.peers': ['a', 'b'],
  });
  assert.equal(failover.resource['service.instance.id'], 'west-1');
  assert.equal(failover.resource['mesh.region'], 'west');
  assert.deepEqual(failover.scope, { name: 'OmniRelay.Mesh', version: '0.1.0' });
  assert.equal(failover.parentSpanId, '');
  assert.equal(failover.traceId, parent.spanContext().traceId);
  assert.equal(failover.spanId, parent.spanContext().spanId);
  assert.equal(transition.parentSpanId, failover.spanId);
  assert.equal(transition.traceId, failover.traceId);
  assert.equal(transition.kind, 1);
  assert.equal(transition.attributes['mesh.term'], 7);
  assert.equal(typeof failover.startTimeUnixNano, 'string');
  const startMs = Number(BigInt(failover.startTimeUnixNano) / 1_000_000n);
  assert.ok(startMs >= before - 5 && startMs <= Date.now(), `start ${startMs}`);
  assert.ok(BigInt(failover.endTimeUnixNano) >= BigInt(failover.startTimeUnixNano));

  assert.deepEqual(
    (await spans(r, '?name=mesh.failover')).map((s) => s.spanId),
    [failover.spanId],
  );
  assert.equal((await spans(r, '?node=west-1')).length, 2);
  assert.equal((await spans(r, '?node=east-1')).length, 0);
  assert.equal((await spans(r, `?since=${Date.now() + 60_000}`)).length, 0);
  assert.equal((await spans(r, `?since=${new Date(before - 1000).toISOString()}&name=mesh.leadership.transition`)).length, 1);
  assert.equal((await fetch(`${r.url}/spans?since=yesterday`)).status, 400);

  const health = (await (await fetch(`${r.url}/healthz`)).json()) as { status: string; spans: number };
  assert.deepEqual([health.status, health.spans], ['ok', 2]);
  assert.deepEqual(await (await fetch(`${r.url}/spans`, { method: 'DELETE' })).json(), { deleted: 2 });
  assert.equal((await spans(r)).length, 0);
});

test("an export answers 200 with an ExportTraceServiceResponse OpenTelemetry's serializer reads; gzip is accepted", async (t) => {
  const r = await receiver(t);
  const body = JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          { spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'x', startTimeUnixNano: '1', endTimeUnixNano: 2 }] },
        ],
      },
    ],
  });
  const res = await post(r, gzipSync(body), { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(JsonTraceSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer())), {});
  const [span] = await spans(r);
  assert.deepEqual([span?.name, span?.startTimeUnixNano, span?.endTimeUnixNano], ['x', '1', '2']);
  assert.equal((await post(r, '{}')).status, 200, 'an empty request is valid');
});

test('another content type is refused with 415 (this receiver speaks OTLP/JSON)', async (t) => {
  const r = await receiver(t);
  for (const type of ['application/x-protobuf', 'text/plain']) {
    const res = await post(r, '\x0a\x00', { 'content-type': type });
    assert.equal(res.status, 415, type);
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /application\/json/);
  }
  assert.equal((await post(r, '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status, 415);
  assert.equal((await spans(r)).length, 0);
});

test('a malformed body is refused with 400 and a Status message, and nothing of it is kept', async (t) => {
  const r = await receiver(t);
  const bad = [
    '{not json',
    '[]',
    JSON.stringify({ resourceSpans: {} }),
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'b7ad6b7169203331', name: 'no trace id' }] }] }] }),
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz', spanId: 'b7ad6b7169203331', name: 'bad id' }] }] }] }),
    JSON.stringify({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'n', startTimeUnixNano: '-1' }] }] },
      ],
    }),
  ];
  for (const body of bad) {
    const res = await post(r, body);
    assert.equal(res.status, 400, body);
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.ok(status.message.length > 0);
  }
  assert.equal((await post(r, Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status, 400);
  assert.equal((await spans(r)).length, 0);
  assert.equal((await fetch(`${r.url}/v1/traces`)).status, 405);
  assert.equal((await fetch(`${r.url}/v1/metrics`, { method: 'POST' })).status, 404);
});

test("decoding follows OpenTelemetry's JSON serializer: hex ids, int64 strings, nested values", async () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 't' }), spanProcessors: [processor] });
  const span = provider.getTracer('s').startSpan('n', { attributes: { big: 2 ** 40, s: 'v', list: [1, 2] } });
  span.setStatus({ code: 2, message: 'boom' });
  span.end();
  await processor.forceFlush();
  const [decoded] = decodeTraceRequest(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())));
  assert.equal(decoded?.traceId, span.spanContext().traceId);
  assert.deepEqual(decoded?.attributes, { big: 2 ** 40, s: 'v', list: [1, 2] });
  assert.deepEqual(decoded?.status, { code: 2, message: 'boom' });
  assert.equal(decoded?.resource['service.name'], 't');
  // The generic protobuf JSON mapping (base64 ids, kvlists, out-of-range int64 kept as text) decodes too.
  const [generic] = decodeTraceRequest(
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
                  spanId: 't61rcWkgMzE=',
                  name: 'g',
                  attributes: [{ key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { intValue: '9223372036854775807' } }] } } }],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(
    [generic?.traceId, generic?.spanId, generic?.attributes],
    ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', { m: { k: '9223372036854775807' } }],
  );
  assert.throws(() => decodeTraceRequest('{"resourceSpans":[1]}'), OtlpDecodeError);
});

test('the store keeps the newest spans up to its bound', async (t) => {
  const r = await receiver(t, 3);
  const one = (i: number) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `b7ad6b716920333${i}`, name: `s${i}` });
  assert.equal((await post(r, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [1, 2, 3, 4, 5].map(one) }] }] }))).status, 200);
  assert.deepEqual(
    (await spans(r)).map((s) => s.name),
    ['s3', 's4', 's5'],
  );
  const health = (await (await fetch(`${r.url}/healthz`)).json()) as { evicted: number; received: number };
  assert.deepEqual([health.received, health.evicted], [5, 2]);
});

test('command line: flags override the environment; bad values are refused', () => {
  assert.deepEqual(parseArgs([]), { host: '127.0.0.1', port: 4318, maxSpans: 50000 });
  assert.deepEqual(parseArgs(['--port=0'], { OTLP_RECEIVER_HOST: '0.0.0.0', OTLP_RECEIVER_PORT: '5318', OTLP_RECEIVER_MAX_SPANS: '10' }), {
    host: '0.0.0.0',
    port: 0,
    maxSpans: 10,
  });
  assert.deepEqual(parseArgs(['-host', '::', '--max-spans', '7']), { host: '::', port: 4318, maxSpans: 7 });
  assert.equal(parseArgs(['--help']), 'help');
  assert.throws(() => parseArgs(['--port', '70000']), /--port/);
  assert.throws(() => parseArgs([], { OTLP_RECEIVER_PORT: 'x' }), /OTLP_RECEIVER_PORT/);
  assert.throws(() => parseArgs(['--max-spans=0']), /--max-spans/);
  assert.throws(() => parseArgs(['--nope']), /Unknown option '--nope'/);
  assert.throws(() => parseArgs(['--port']), /--port/);
  assert.throws(() => parseArgs(['stray']), /stray/);
});
