const maxLength = 80;

/** The value's JSON type followed by its JSON text, cut to a short preview: `string "abc"`, `object {"a":1,…}`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return `${kind} ${truncate(text)}`;
}

/** Cuts text to a readable preview; the marker says how much was dropped. */
export function truncate(text: string, limit = maxLength): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}… (${text.length} chars)`;
}
