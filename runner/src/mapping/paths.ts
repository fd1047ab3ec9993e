/** Sets a value at a path, creating the objects on the way. */
export function setAt(data: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target = data;
  for (const part of path.slice(0, -1)) {
    const next = target[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[path.at(-1)!] = value;
}

/** `address.city` → `['address', 'city']`. */
export function splitPath(path: string): string[] {
  return path.split('.');
}
