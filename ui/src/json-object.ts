/** The text of a form's JSON-object field (a conf, an extra) as an object. */

/** Empty text is `{}`; anything else must be a JSON object, or this throws naming the field. */
export function parseJsonObject(text: string, field: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (e) {
    throw new Error(`${field} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${field} must be a JSON object`);
  return parsed as Record<string, unknown>;
}
