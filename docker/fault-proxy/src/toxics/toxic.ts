// A toxic as the API sees it, and the decoding of create/update bodies in the Go server's order of checks
// (toxic_collection.go AddToxicJson / UpdateToxicJson).
import { invalidStream, invalidToxicType, toxicAlreadyExists } from '../errors';
import { asObject, field, intField, numberField, stringField, type JsonObject } from '../json';
import { toxicDefinition } from './index';
import type { Direction, ToxicDefinition } from './types';

export interface Toxic {
  readonly name: string;
  readonly type: string;
  /** As sent (Go parses it case-insensitively but echoes it unchanged). */
  readonly stream: string;
  readonly direction: Direction;
  readonly definition: ToxicDefinition;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

export function toxicJson(toxic: Toxic): ToxicJson {
  return { attributes: { ...toxic.attributes }, name: toxic.name, type: toxic.type, stream: toxic.stream, toxicity: toxic.toxicity };
}

function parseDirection(stream: string): Direction | undefined {
  const lower = stream.toLowerCase();
  return lower === 'upstream' || lower === 'downstream' ? lower : undefined;
}

function attributesObject(body: JsonObject): JsonObject {
  const value = field(body, 'attributes');
  return value === undefined ? {} : asObject(value, 'toxic attributes');
}

/** Every attribute of the type, zeros when unset; `base` supplies current values for a partial update. */
function parseAttributes(definition: ToxicDefinition, raw: JsonObject, base: Record<string, number> = {}): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of definition.attributes) {
    result[name] = intField(raw, name) ?? base[name] ?? 0;
  }
  return result;
}

export function parseNewToxic(input: unknown, exists: (name: string) => boolean): Toxic {
  const body = asObject(input, 'toxics.ToxicWrapper');
  const given = { name: stringField(body, 'name'), type: stringField(body, 'type'), stream: stringField(body, 'stream') };
  const toxicity = numberField(body, 'toxicity') ?? 1;
  const rawAttributes = attributesObject(body);
  const stream = given.stream ?? 'downstream';
  const direction = parseDirection(stream);
  if (!direction) throw invalidStream();
  const type = given.type ?? '';
  const name = given.name || `${type}_${stream}`;
  const definition = toxicDefinition(type);
  if (!definition) throw invalidToxicType();
  if (exists(name)) throw toxicAlreadyExists();
  return { name, type, stream, direction, definition, toxicity, attributes: parseAttributes(definition, rawAttributes) };
}

/** A partial merge: absent keys keep their values; name, type and stream never change. */
export function parseToxicUpdate(toxic: Toxic, input: unknown): { attributes: Record<string, number>; toxicity: number } {
  const body = asObject(input, 'toxics.ToxicWrapper');
  const toxicity = numberField(body, 'toxicity') ?? toxic.toxicity;
  return { toxicity, attributes: parseAttributes(toxic.definition, attributesObject(body), toxic.attributes) };
}
