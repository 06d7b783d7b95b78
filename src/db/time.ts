/** Times as the database stores them: ISO 8601 UTC with milliseconds. */
export function iso(date: Date): string {
  return date.toISOString();
}

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
