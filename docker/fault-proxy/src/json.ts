// Request bodies decoded the way Go's encoding/json treats them, since clients were written against it:
// null and absent are the same, keys match case-insensitively, a wrong type is a "bad request body".
import { badRequestBody } from './errors';

export type JsonObject = Record<string, unknown>;

export function parseBody(text: string): unknown {
  if (text.trim() === '') throw badRequestBody('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequestBody(error instanceof Error ? error.message : String(error));
  }
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return `number ${value}`;
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

const mismatch = (value: unknown, target: string): Error => badRequestBody(`json: cannot unmarshal ${kind(value)} into Go value of type ${target}`);

/** A JSON object body; `null` decodes to an empty one, as Go leaves the struct untouched. */
export function asObject(value: unknown, target: string): JsonObject {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(value, target);
  return value as JsonObject;
}

/** A JSON array body; `null` decodes to an empty one. */
export function asArray(value: unknown, target: string): unknown[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw mismatch(value, target);
  return value;
}

/** Go matches an exact key first, then any key equal under case folding. */
export function field(body: JsonObject, key: string): unknown {
  if (Object.hasOwn(body, key)) return body[key];
  const lower = key.toLowerCase();
  const match = Object.keys(body).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : body[match];
}

function typed<T>(body: JsonObject, key: string, type: string, check: (v: unknown) => v is T): T | undefined {
  const value = field(body, key);
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw badRequestBody(`json: cannot unmarshal ${kind(value)} into Go struct field .${key} of type ${type}`);
  return value;
}

export const stringField = (body: JsonObject, key: string): string | undefined => typed(body, key, 'string', (v): v is string => typeof v === 'string');

export const boolField = (body: JsonObject, key: string): boolean | undefined => typed(body, key, 'bool', (v): v is boolean => typeof v === 'boolean');

export const numberField = (body: JsonObject, key: string): number | undefined => typed(body, key, 'float32', (v): v is number => typeof v === 'number');

/** Toxic attributes are int64 in Go: fractions are rejected, not rounded. */
export const intField = (body: JsonObject, key: string): number | undefined =>
  typed(body, key, 'int64', (v): v is number => typeof v === 'number' && Number.isSafeInteger(v));
