/**
 * Maps keyed by what users type: params, tags, metric names, aliases. Their keys are data, and
 * `__proto__`, `constructor` or `toString` are keys like any other.
 *
 * In memory they are null-prototype objects (`userMap`): nothing is inherited, so `map[key]` and
 * `key in map` see only what was put there, and assigning `__proto__` adds a key instead of
 * replacing the prototype. Membership is `Object.hasOwn`, always.
 *
 * In the table they are DynamoDB maps, but the SDK's marshaller treats a map as a plain object: it
 * builds one with `map[key] = …` (so `__proto__` vanishes, in both directions) and detects types by
 * `value.constructor` (so a key named `constructor` makes the item unwritable). A key that names
 * anything on `Object.prototype`, starts with the escape character, or is not well-formed Unicode
 * (DynamoDB Local then cannot return the item at all) is therefore stored escaped: U+0001 and the key
 * as a JSON string. Every other key is stored as it is, so items written before this read the same;
 * U+0001 never starts a key written before, since every user key refuses control characters.
 */

/** The marker of an escaped key. */
const escapeMark = '\u0001';

export type UserMap<V> = Record<string, V>;

/** A null-prototype map, optionally filled from entries. */
export function userMap<V>(entries: Iterable<readonly [string, V]> = []): UserMap<V> {
  const map = Object.create(null) as UserMap<V>;
  for (const [key, value] of entries) map[key] = value;
  return map;
}

/** A copy of any object's own entries (parsed JSON, a plain object) as a null-prototype map. */
export function asUserMap<V>(from: Readonly<Record<string, V>> | null | undefined): UserMap<V> {
  return userMap(Object.entries(from ?? {}));
}

export function hasKey(map: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.hasOwn(map, key);
}

/** The value under `key`, never an inherited one. */
export function valueAt<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A copy with `patch` applied: a value sets its key, `null` deletes it. */
export function patched<V>(
  map: Readonly<Record<string, V>>,
  patch: Readonly<Record<string, V | null>>,
): UserMap<V> {
  const next = asUserMap(map);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** A copy without the keys `drop` selects. */
export function without<V>(
  map: Readonly<Record<string, V>>,
  drop: (key: string, value: V) => boolean,
): UserMap<V> {
  return userMap(Object.entries(map).filter(([key, value]) => !drop(key, value)));
}

const needsEscape = (key: string) =>
  key.startsWith(escapeMark) || Object.hasOwn(Object.prototype, key) || !key.isWellFormed();

/** The name a user's key has inside a DynamoDB map (also for expression attribute names). */
export function storedKey(key: string): string {
  return needsEscape(key) ? `${escapeMark}${JSON.stringify(key)}` : key;
}

/** The user's key a stored map key stands for. */
export function userKeyOf(stored: string): string {
  return stored.startsWith(escapeMark) ? (JSON.parse(stored.slice(1)) as string) : stored;
}

/** A user map as the DynamoDB map attribute that holds it (a plain object the SDK can marshal). */
export function toStoredMap<V>(map: Readonly<Record<string, V>> | undefined): Record<string, V> {
  const stored: Record<string, V> = {};
  for (const [key, value] of Object.entries(map ?? {})) stored[storedKey(key)] = value;
  return stored;
}

/**
 * A DynamoDB map attribute as the user map it holds. Where one key is there twice (unescaped from
 * before escaping, and escaped), `pick` chooses; by default the escaped, newer one.
 */
export function fromStoredMap<V>(
  stored: Readonly<Record<string, V>> | undefined,
  pick: (older: V, newer: V) => V = (_older, newer) => newer,
): UserMap<V> {
  const map = userMap<V>();
  const entries = Object.entries(stored ?? {}).sort(
    ([a], [b]) => Number(a.startsWith(escapeMark)) - Number(b.startsWith(escapeMark)),
  );
  for (const [key, value] of entries) {
    const user = userKeyOf(key);
    map[user] = Object.hasOwn(map, user) ? pick(map[user] as V, value) : value;
  }
  return map;
}
