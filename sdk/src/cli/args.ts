/**
 * The CLI's argument parser: long flags (`--name value`, `--name=value`), one-letter aliases
 * (`-m value`), `-h`, `--`, positionals.
 */

export interface FlagSpec {
  type: 'string' | 'number' | 'boolean';
  /** May be given more than once; the values are collected in order. */
  repeat?: boolean;
  /** Shown in help as `--flag <valueName>`. */
  valueName?: string;
  description: string;
  /** For string flags: the only values accepted. */
  choices?: readonly string[];
  /** A one-letter alias: `m` for `-m`. */
  short?: string;
}

export type FlagValue = string | number | boolean | string[];

export interface Parsed {
  positionals: string[];
  flags: Record<string, FlagValue>;
}

/** A mistake in how the command was called: exit code 2, with a pointer to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `argv` against `specs`. Unknown flags, missing values and bad numbers are usage errors.
 * Flag names are kebab-case on the command line and camelCase in `flags`.
 */
export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>): Parsed {
  const byName = new Map<string, [string, FlagSpec]>();
  const byShort = new Map<string, string>();
  for (const [key, spec] of Object.entries(specs)) {
    byName.set(kebab(key), [key, spec]);
    if (spec.short) byShort.set(spec.short, kebab(key));
  }
  const positionals: string[] = [];
  const flags: Record<string, FlagValue> = {};

  for (let i = 0; i < argv.length; i++) {
    let token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') {
      flags.help = true;
      continue;
    }
    const short = /^-([A-Za-z])$/.exec(token);
    if (short) {
      const long = byShort.get(short[1]!);
      if (!long) throw new UsageError(`unknown option ${token}`);
      token = `--${long}`;
    }
    if (!token.startsWith('--') || token === '-') {
      if (token.startsWith('-') && token !== '-' && !/^-\d/.test(token))
        throw new UsageError(`unknown option ${token}`);
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq === -1 ? undefined : eq);
    const found = byName.get(name);
    if (!found) throw new UsageError(`unknown option --${name}`);
    const [key, spec] = found;
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[key] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = token.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || (raw.startsWith('--') && raw.length > 2))
        throw new UsageError(`--${name} needs a value`);
      i++;
    }
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, not ${JSON.stringify(raw)}`);
    }
    let value: string | number = raw;
    if (spec.type === 'number') {
      value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new UsageError(`--${name} must be a number, not ${JSON.stringify(raw)}`);
    }
    if (spec.repeat) {
      const list = (flags[key] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[key] = list;
    } else if (key in flags) {
      throw new UsageError(`--${name} given twice`);
    } else flags[key] = value;
  }
  return { positionals, flags };
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
