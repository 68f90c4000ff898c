/** JSON values as the States Language moves them between states (the shape aws-local-stepfunctions uses). */
type JsonPrimitive = null | boolean | number | string;
type JsonArray = (JsonPrimitive | JsonArray | JsonObject)[];
export type JsonObject = { [key: string]: JsonPrimitive | JsonObject | JsonArray };
export type Json = JsonPrimitive | JsonObject | JsonArray;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as it crosses a JSON boundary (a Lambda payload, an API response): `undefined` becomes `null`. */
export function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** Parses JSON text, or answers `undefined` when it is not valid JSON. */
export function tryParseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}
