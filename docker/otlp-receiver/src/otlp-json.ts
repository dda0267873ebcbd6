// Decoding of OTLP/JSON trace export requests (ExportTraceServiceRequest in the protobuf JSON mapping,
// as OpenTelemetry's JsonTraceSerializer writes it: hex trace/span ids, 64-bit integers as decimal
// strings or numbers, bytes as base64) into flat spans: attributes and resource as {key: value}.
// Anything that does not have the message's shape is refused as a whole (OTLP/HTTP answers 400).

/** A span as the receiver keeps and serves it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  /** SpanKind as OTLP numbers it (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  /** Unix nanoseconds, as decimal strings (they exceed 2^53). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
  scope: { name: string; version?: string };
  status: { code: number; message?: string };
}

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

type Json = Record<string, unknown>;

export function decodeTraceRequest(text: string): ReceivedSpan[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`body is not JSON: ${(error as Error).message}`);
  }
  const request = object(body, 'ExportTraceServiceRequest');
  const spans: ReceivedSpan[] = [];
  array(request.resourceSpans, 'resourceSpans').forEach((rawResourceSpans, r) => {
    const resourceSpans = object(rawResourceSpans, `resourceSpans[${r}]`);
    const resource =
      resourceSpans.resource === undefined
        ? {}
        : keyValues(object(resourceSpans.resource, `resourceSpans[${r}].resource`).attributes, `resourceSpans[${r}].resource.attributes`);
    array(resourceSpans.scopeSpans, `resourceSpans[${r}].scopeSpans`).forEach((rawScopeSpans, s) => {
      const where = `resourceSpans[${r}].scopeSpans[${s}]`;
      const scopeSpans = object(rawScopeSpans, where);
      const scope = scopeSpans.scope === undefined ? {} : object(scopeSpans.scope, `${where}.scope`);
      const scopeInfo = {
        name: optionalString(scope.name, `${where}.scope.name`) ?? '',
        ...(typeof scope.version === 'string' && scope.version !== '' ? { version: scope.version } : {}),
      };
      array(scopeSpans.spans, `${where}.spans`).forEach((rawSpan, i) => {
        const at = `${where}.spans[${i}]`;
        const span = object(rawSpan, at);
        const status = span.status === undefined ? {} : object(span.status, `${at}.status`);
        const message = optionalString(status.message, `${at}.status.message`);
        spans.push({
          traceId: id(span.traceId, 16, `${at}.traceId`, true),
          spanId: id(span.spanId, 8, `${at}.spanId`, true),
          parentSpanId: id(span.parentSpanId, 8, `${at}.parentSpanId`, false),
          name: requiredString(span.name, `${at}.name`),
          kind: enumValue(span.kind, `${at}.kind`),
          startTimeUnixNano: uint64(span.startTimeUnixNano, `${at}.startTimeUnixNano`),
          endTimeUnixNano: uint64(span.endTimeUnixNano, `${at}.endTimeUnixNano`),
          attributes: keyValues(span.attributes, `${at}.attributes`),
          resource,
          scope: scopeInfo,
          status: { code: enumValue(status.code, `${at}.status.code`), ...(message ? { message } : {}) },
        });
      });
    });
  });
  return spans;
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OtlpDecodeError(`${where} must be an object`);
  return value as Json;
}

/** Repeated fields: absent (or null) is empty. */
function array(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${where} must be an array`);
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new OtlpDecodeError(`${where} must be a string`);
  return value;
}

function requiredString(value: unknown, where: string): string {
  const text = optionalString(value, where);
  if (text === undefined || text === '') throw new OtlpDecodeError(`${where} is required`);
  return text;
}

/** Enums are numbers in OTLP/JSON (names are tolerated by the protobuf JSON mapping but not sent by OTel SDKs). */
function enumValue(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new OtlpDecodeError(`${where} must be a non-negative integer`);
}

/** fixed64 nanoseconds: a decimal string or a number. */
function uint64(value: unknown, where: string): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value).toString();
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value).toString();
  throw new OtlpDecodeError(`${where} must be unsigned nanoseconds (a decimal string or integer)`);
}

/** Trace and span ids: hex in OTLP/JSON; base64 (the generic protobuf JSON mapping of bytes) is accepted too. */
function id(value: unknown, bytes: number, where: string, required: boolean): string {
  if (value === undefined || value === null || value === '') {
    if (required) throw new OtlpDecodeError(`${where} is required`);
    return '';
  }
  if (typeof value !== 'string') throw new OtlpDecodeError(`${where} must be a string`);
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) return value.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length === bytes) return decoded.toString('hex');
  }
  throw new OtlpDecodeError(`${where} must be ${bytes * 2} hex digits`);
}

function keyValues(value: unknown, where: string): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  array(value, where).forEach((raw, i) => {
    const kv = object(raw, `${where}[${i}]`);
    const key = requiredString(kv.key, `${where}[${i}].key`);
    result[key] = anyValue(kv.value, `${where}[${i}].value`);
  });
  return result;
}

function anyValue(value: unknown, where: string): AttributeValue {
  if (value === undefined || value === null) return null;
  const v = object(value, where);
  if ('stringValue' in v) return optionalString(v.stringValue, `${where}.stringValue`) ?? '';
  if ('boolValue' in v) {
    if (typeof v.boolValue !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue must be a boolean`);
    return v.boolValue;
  }
  if ('intValue' in v) {
    const raw = v.intValue;
    if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
    if (typeof raw === 'string' && /^-?\d{1,20}$/.test(raw)) {
      const big = BigInt(raw);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : raw;
    }
    throw new OtlpDecodeError(`${where}.intValue must be an integer`);
  }
  if ('doubleValue' in v) {
    const raw = v.doubleValue;
    if (typeof raw === 'number') return raw;
    if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return raw;
    throw new OtlpDecodeError(`${where}.doubleValue must be a number`);
  }
  if ('arrayValue' in v) {
    const values = array(object(v.arrayValue, `${where}.arrayValue`).values, `${where}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${where}.arrayValue.values[${i}]`));
  }
  if ('kvlistValue' in v) return keyValues(object(v.kvlistValue, `${where}.kvlistValue`).values, `${where}.kvlistValue.values`);
  if ('bytesValue' in v) return optionalString(v.bytesValue, `${where}.bytesValue`) ?? '';
  return null;
}
