import { z } from 'zod';
import { type UserMap, userMap } from '#table/user-maps.ts';

/** Every schema `userRecord` made, so that tests can find the routes that take user-keyed maps. */
export const userRecords = new WeakSet<z.ZodType>();

/** A plain JSON object: what `JSON.parse` makes for `{…}`. */
const isObject = (input: unknown): input is Record<string, unknown> =>
  input !== null && typeof input === 'object' && !Array.isArray(input) && !(input instanceof Uint8Array);

/**
 * A JSON object whose keys are the user's (tags, params): each key and value checked by its schema,
 * parsed into a null-prototype map (`#table/user-maps.ts`). It replaces `z.record`, which skips a
 * `__proto__` key without a word (to keep it off the prototype of the plain object it builds), so
 * a tag of that name would be dropped while the request succeeded. The OpenAPI document describes
 * it as the equivalent `z.record`.
 *
 * @example
 * const CreateBody = z.strictObject({ tags: userRecord(EntryKey, TagValue).optional() });
 */
export function userRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  const { $schema: _drop, ...described } = z.toJSONSchema(z.record(key, value), {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const schema = z
    .custom<Record<string, z.input<V>>>(isObject, { message: 'must be an object of keys and values' })
    .transform((input, ctx): UserMap<z.output<V>> => {
      const map = userMap<z.output<V>>();
      for (const [name, raw] of Object.entries(input)) {
        const parsedKey = key.safeParse(name);
        if (!parsedKey.success) {
          for (const issue of parsedKey.error.issues) {
            ctx.addIssue({ code: 'custom', message: issue.message, path: [name] });
          }
          continue;
        }
        const parsed = value.safeParse(raw);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            ctx.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
          }
          continue;
        }
        map[parsedKey.data] = parsed.data;
      }
      return map;
    })
    .meta(described);
  userRecords.add(schema);
  return schema;
}
