import { CairnError } from '#http/errors.ts';
import type { OrderClause } from './order.ts';

/**
 * MLflow's search filter: a flat conjunction of comparisons such as
 * `metrics.acc > 0.9 AND tags.team LIKE 'ml%'`. Users arrive with MLflow filters in scripts and
 * notebooks, so the grammar, the type rules and the matching semantics follow MLflow's
 * `search_utils.py`; the parser is our own so that every error says where the filter broke.
 */

export type EntityType = 'attribute' | 'metric' | 'param' | 'tag' | 'dataset';

/** `id` is a string attribute that also accepts `IN` / `NOT IN` lists (MLflow allows them for `run_id`). */
export type AttributeKind = 'string' | 'id' | 'number';

export type NumberComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListComparator = 'IN' | 'NOT IN';

interface ClauseTarget {
  type: EntityType;
  /** Canonical key: attribute aliases (`created`, `run name`) are already resolved. */
  key: string;
}

export interface NumberClause extends ClauseTarget {
  kind: 'number';
  comparator: NumberComparator;
  value: number;
}

export interface StringClause extends ClauseTarget {
  kind: 'string';
  comparator: StringComparator;
  value: string;
}

export interface ListClause extends ClauseTarget {
  kind: 'list';
  comparator: ListComparator;
  value: string[];
}

export type FilterClause = NumberClause | StringClause | ListClause;

/** The shape every searchable entity (run, experiment, model, version) is projected to. */
export interface Searchable {
  attributes: Readonly<Record<string, string | number | null | undefined>>;
  metrics?: Readonly<Record<string, number>>;
  params?: Readonly<Record<string, string>>;
  tags?: Readonly<Record<string, string>>;
  datasets?: readonly { name: string; digest: string; context?: string }[];
}

/**
 * What one kind of search accepts. The same parser serves runs, experiments, registered models
 * and model versions; only this table differs.
 */
export interface SearchSpec {
  /** Plural noun used in messages: "runs". */
  readonly subject: string;
  /** Filterable attributes by canonical name. */
  readonly attributes: Readonly<Record<string, AttributeKind>>;
  /** Other spellings of an attribute, in filters and in order_by. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Prefixed types the filter accepts besides attributes. */
  readonly types: readonly Exclude<EntityType, 'attribute'>[];
  readonly order: {
    /** Attributes order_by accepts, by canonical name. */
    readonly attributes: readonly string[];
    /** Spellings only order_by knows, such as MLflow's `timestamp`. */
    readonly aliases: Readonly<Record<string, string>>;
    readonly types: readonly ('metric' | 'param' | 'tag')[];
  };
  /** Applied after the caller's order_by, so equal rows still come out in one documented order. */
  readonly defaultOrder: readonly OrderClause[];
}

const runAttributeAliases = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};

export const runSearch: SearchSpec = {
  subject: 'runs',
  attributes: {
    run_id: 'id',
    run_name: 'string',
    status: 'string',
    user_id: 'string',
    artifact_uri: 'string',
    lifecycle_stage: 'string',
    start_time: 'number',
    end_time: 'number',
  },
  aliases: runAttributeAliases,
  types: ['metric', 'param', 'tag', 'dataset'],
  order: {
    attributes: [
      'run_id',
      'run_name',
      'status',
      'user_id',
      'artifact_uri',
      'lifecycle_stage',
      'start_time',
      'end_time',
    ],
    aliases: { timestamp: 'start_time' },
    types: ['metric', 'param', 'tag'],
  },
  defaultOrder: [
    { type: 'attribute', key: 'start_time', ascending: false },
    { type: 'attribute', key: 'run_id', ascending: true },
  ],
};

export const experimentSearch: SearchSpec = {
  subject: 'experiments',
  attributes: { name: 'string', experiment_id: 'id', creation_time: 'number', last_update_time: 'number' },
  aliases: {},
  types: ['tag'],
  order: {
    attributes: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
    aliases: {},
    types: [],
  },
  defaultOrder: [{ type: 'attribute', key: 'experiment_id', ascending: false }],
};

export const modelSearch: SearchSpec = {
  subject: 'registered models',
  attributes: { name: 'string' },
  aliases: {},
  types: ['tag'],
  order: {
    attributes: ['name', 'creation_timestamp', 'last_updated_timestamp'],
    aliases: { timestamp: 'creation_timestamp' },
    types: [],
  },
  defaultOrder: [{ type: 'attribute', key: 'name', ascending: true }],
};

/** `source_path` is the version's `source`; `version` is compared as a number, as MLflow's SQL store does. */
export const modelVersionSearch: SearchSpec = {
  subject: 'model versions',
  attributes: { name: 'string', run_id: 'id', source_path: 'string', version: 'number' },
  aliases: { version_number: 'version' },
  types: ['tag'],
  order: {
    attributes: ['name', 'version', 'creation_timestamp', 'last_updated_timestamp'],
    aliases: { timestamp: 'creation_timestamp' },
    types: [],
  },
  defaultOrder: [
    { type: 'attribute', key: 'name', ascending: true },
    { type: 'attribute', key: 'version', ascending: false },
  ],
};

const datasetKeys = ['name', 'digest', 'context'];

const typeNames: Readonly<Record<string, EntityType>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const typeLabels: Record<EntityType, string> = {
  attribute: 'attributes',
  metric: 'metrics',
  param: 'params',
  tag: 'tags',
  dataset: 'datasets',
};

const numberComparators: readonly string[] = ['=', '!=', '>', '>=', '<', '<='];
const stringComparators: readonly string[] = ['=', '!=', 'LIKE', 'ILIKE'];
const listComparators: readonly string[] = ['IN', 'NOT IN'];

// ---------------------------------------------------------------------------------------------
// Tokens. Shared with order.ts, which parses identifiers the same way.

/** Reports a syntax error at a 0-based position; the caller decides the error code and wording. */
export type Fail = (position: number, message: string, expected?: string) => never;

export interface Token {
  kind: 'word' | 'number' | 'quoted' | 'op' | 'punct';
  /** The source text of the token. */
  text: string;
  /** Unescaped content for quoted tokens, the text otherwise. */
  value: string;
  /** The quote character of a quoted token. */
  quote?: "'" | '"' | '`';
  start: number;
  end: number;
}

const wordStart = /[\p{L}_]/u;
const wordPart = /[\p{L}\p{M}\p{N}_.\-/:]/u;
const numberPattern = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const digit = /\d/;
const space = /\s/u;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && digit.test(ch);
}

function startsNumber(text: string, at: number): boolean {
  const ch = text[at];
  const next = text[at + 1];
  if (isDigit(ch)) return true;
  if (ch === '.') return isDigit(next);
  if (ch === '+' || ch === '-') return isDigit(next) || (next === '.' && isDigit(text[at + 2]));
  return false;
}

function charAt(text: string, at: number): string {
  return String.fromCodePoint(text.codePointAt(at) ?? 0);
}

function readQuoted(text: string, start: number, fail: Fail): Token {
  const quote = text[start] as "'" | '"' | '`';
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const ch = text[at];
    if (ch === '\\' && (text[at + 1] === quote || text[at + 1] === '\\')) {
      value += text[at + 1];
      at += 2;
    } else if (ch === quote && text[at + 1] === quote) {
      value += quote;
      at += 2;
    } else if (ch === quote) {
      return { kind: 'quoted', text: text.slice(start, at + 1), value, quote, start, end: at + 1 };
    } else {
      value += ch;
      at += 1;
    }
  }
  return fail(start, `unterminated ${quote === '`' ? 'quoted name' : 'string'}: no closing ${quote}`, quote);
}

/** Splits a filter or order_by clause into tokens; whitespace separates and is dropped. */
export function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = charAt(text, at);
    if (space.test(ch)) {
      at += ch.length;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const token = readQuoted(text, at, fail);
      tokens.push(token);
      at = token.end;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, value: ch, start: at, end: at + 1 });
      at += 1;
    } else if (ch === '=' || ch === '!' || ch === '<' || ch === '>') {
      const two = text.slice(at, at + 2);
      const op = ['!=', '<>', '<=', '>='].includes(two) ? two : ch;
      if (op === '!') fail(at, 'unexpected "!"; did you mean "!="?', 'comparator');
      tokens.push({ kind: 'op', text: op, value: op === '<>' ? '!=' : op, start: at, end: at + op.length });
      at += op.length;
    } else if (startsNumber(text, at)) {
      numberPattern.lastIndex = at;
      const match = numberPattern.exec(text);
      const end = at + (match?.[0].length ?? 1);
      if (end < text.length && wordPart.test(charAt(text, end))) {
        let stop = end;
        while (stop < text.length && wordPart.test(charAt(text, stop))) stop += charAt(text, stop).length;
        fail(at, `malformed number "${text.slice(at, stop)}"`, 'number');
      }
      tokens.push({ kind: 'number', text: text.slice(at, end), value: text.slice(at, end), start: at, end });
      at = end;
    } else if (wordStart.test(ch) || ch === '.') {
      let end = at + ch.length;
      while (end < text.length && wordPart.test(charAt(text, end))) end += charAt(text, end).length;
      const word = text.slice(at, end);
      tokens.push({ kind: 'word', text: word, value: word, start: at, end });
      at = end;
    } else {
      fail(at, `unexpected character ${JSON.stringify(ch)}`);
    }
  }
  return tokens;
}

export function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === keyword;
}

const reservedWords = ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE'];

/** An identifier as written: `prefix` is the part before the first dot, if any. */
export interface RawIdentifier {
  prefix: string | undefined;
  key: string;
  start: number;
  end: number;
}

/**
 * Reads `<type>.<key>`, splitting on the first dot (so `tags.mlflow.runName` is the tag
 * `mlflow.runName`). Either part may be quoted with backticks or double quotes:
 * ``tags.`my key` ``, `metrics."f1 score"`, `` `run name` ``.
 */
export function readIdentifier(tokens: readonly Token[], at: number, endOfText: number, fail: Fail) {
  const token = tokens[at];
  const quotedNameAfter = (previous: Token, index: number): Token | undefined => {
    const candidate = tokens[index];
    return candidate?.kind === 'quoted' && candidate.quote !== "'" && candidate.start === previous.end
      ? candidate
      : undefined;
  };
  const finish = (prefix: string | undefined, key: string, start: number, last: Token, used: number) => {
    if (key === '') fail(start, 'empty key in identifier', 'key');
    const identifier: RawIdentifier = { prefix, key, start, end: last.end };
    return { identifier, next: at + used };
  };

  if (token === undefined) {
    return fail(endOfText, 'expected an identifier such as metrics.accuracy', 'identifier');
  }
  if (token.kind === 'punct' && token.text === '(') {
    return fail(
      token.start,
      'parentheses are not supported: MLflow search has no grouping, only comparisons joined by AND',
      'identifier',
    );
  }
  if (token.kind === 'word') {
    if (reservedWords.includes(token.text.toUpperCase())) {
      return fail(token.start, `expected an identifier, found the keyword ${token.text}`, 'identifier');
    }
    const dot = token.text.indexOf('.');
    if (dot === -1) return finish(undefined, token.text, token.start, token, 1);
    const prefix = token.text.slice(0, dot);
    const rest = token.text.slice(dot + 1);
    if (prefix === '') {
      return fail(token.start, `expected an identifier, found "${token.text}"`, 'identifier');
    }
    if (rest !== '') return finish(prefix, rest, token.start, token, 1);
    const quoted = quotedNameAfter(token, at + 1);
    if (quoted) return finish(prefix, quoted.value, token.start, quoted, 2);
    return fail(token.end, `expected a key after "${token.text}"`, 'key');
  }
  if (token.kind === 'quoted' && token.quote !== "'") {
    const dotted = tokens[at + 1];
    if (dotted?.kind === 'word' && dotted.start === token.end && dotted.text.startsWith('.')) {
      const rest = dotted.text.slice(1);
      if (rest !== '') return finish(token.value, rest, token.start, dotted, 2);
      const quoted = quotedNameAfter(dotted, at + 2);
      if (quoted) return finish(token.value, quoted.value, token.start, quoted, 3);
      return fail(dotted.end, `expected a key after "${token.text}${dotted.text}"`, 'key');
    }
    return finish(undefined, token.value, token.start, token, 1);
  }
  if (token.kind === 'quoted') {
    return fail(
      token.start,
      'expected an identifier; single quotes are for values, quote keys with backticks or double quotes',
      'identifier',
    );
  }
  return fail(
    token.start,
    `expected an identifier such as metrics.accuracy, found "${token.text}"`,
    'identifier',
  );
}

function failOr(token: Token, fail: Fail): never {
  return fail(
    token.start,
    'OR is not supported: MLflow filters are comparisons joined by AND; run one search per alternative',
    'AND',
  );
}

export function resolveType(prefix: string | undefined): EntityType | undefined {
  if (prefix === undefined) return 'attribute';
  const name = prefix.toLowerCase();
  return Object.hasOwn(typeNames, name) ? typeNames[name] : undefined;
}

function describeTypes(types: readonly EntityType[]): string {
  return ['attributes', ...types.map((type) => typeLabels[type])].join(', ');
}

export function sourceOf(text: string, identifier: RawIdentifier): string {
  return text.slice(identifier.start, identifier.end);
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface Target {
  type: EntityType;
  key: string;
  /** What the value is compared as: numbers, strings, or strings that may also come as a list. */
  values: 'number' | 'string' | 'string+list';
}

function resolveTarget(identifier: RawIdentifier, text: string, spec: SearchSpec, fail: Fail): Target {
  const type = resolveType(identifier.prefix);
  const written = sourceOf(text, identifier);
  if (type === undefined || (type !== 'attribute' && !(spec.types as readonly EntityType[]).includes(type))) {
    const what =
      type === undefined ? `unknown type "${identifier.prefix}"` : `${typeLabels[type]} are not searchable`;
    return fail(
      identifier.start,
      `${what} in "${written}"; ${spec.subject} can be filtered by ${describeTypes(spec.types)}`,
      'identifier',
    );
  }
  if (type === 'attribute') {
    const key = Object.hasOwn(spec.aliases, identifier.key) ? spec.aliases[identifier.key]! : identifier.key;
    const kind = Object.hasOwn(spec.attributes, key) ? spec.attributes[key] : undefined;
    if (kind === undefined) {
      return fail(
        identifier.start,
        `unknown attribute "${identifier.key}" for ${spec.subject}; valid attributes are ${Object.keys(spec.attributes).join(', ')}`,
        'identifier',
      );
    }
    return { type, key, values: kind === 'number' ? 'number' : kind === 'id' ? 'string+list' : 'string' };
  }
  if (type === 'dataset') {
    if (!datasetKeys.includes(identifier.key)) {
      return fail(
        identifier.start,
        `unknown dataset key "${identifier.key}"; valid keys are ${datasetKeys.join(', ')}`,
        'identifier',
      );
    }
    return { type, key: identifier.key, values: 'string+list' };
  }
  return { type, key: identifier.key, values: type === 'metric' ? 'number' : 'string' };
}

/** Turns `'a', "b"` inside IN ( … ) into strings. */
function readList(tokens: readonly Token[], at: number, endOfText: number, fail: Fail) {
  const open = tokens[at];
  if (!(open?.kind === 'punct' && open.text === '(')) {
    return fail(open?.start ?? endOfText, "expected a parenthesised list such as ('a', 'b')", 'list');
  }
  const values: string[] = [];
  let i = at + 1;
  for (;;) {
    const item = tokens[i];
    if (item?.kind === 'punct' && item.text === ')' && values.length === 0) {
      return fail(item.start, 'expected at least one quoted string in the list', 'string');
    }
    if (!(item?.kind === 'quoted' && item.quote !== '`')) {
      return fail(item?.start ?? endOfText, 'expected a quoted string in the list', 'string');
    }
    values.push(item.value);
    const after = tokens[i + 1];
    if (after?.kind === 'punct' && after.text === ')') return { values, next: i + 2 };
    if (!(after?.kind === 'punct' && after.text === ',')) {
      return fail(after?.start ?? endOfText, 'expected "," or ")" in the list', ')');
    }
    i += 2;
  }
}

function readComparator(tokens: readonly Token[], at: number, after: string, endOfText: number, fail: Fail) {
  const token = tokens[at];
  if (token?.kind === 'op') return { comparator: token.value, token, next: at + 1 };
  if (token?.kind === 'word') {
    const word = token.text.toUpperCase();
    if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') {
      return { comparator: word, token, next: at + 1 };
    }
    if (word === 'NOT') {
      if (isKeyword(tokens[at + 1], 'IN')) return { comparator: 'NOT IN', token, next: at + 2 };
      return fail(
        tokens[at + 1]?.start ?? endOfText,
        'expected IN after NOT (NOT LIKE is not supported)',
        'IN',
      );
    }
  }
  return fail(token?.start ?? endOfText, `expected a comparator after "${after}"`, 'comparator');
}

/**
 * Parses an MLflow filter string against a search spec. An empty or blank filter matches
 * everything and parses to `[]`.
 *
 * Throws `search.invalid_filter` with `{ filter, position, expected? }`; `position` is the
 * 0-based index where the filter stopped making sense.
 */
export function parseFilter(filter: string | null | undefined, spec: SearchSpec): FilterClause[] {
  if (filter === null || filter === undefined) return [];
  if (typeof filter !== 'string') {
    throw new CairnError('search.invalid_filter', 'Invalid filter: expected a string', {
      filter,
      position: 0,
    });
  }
  const fail: Fail = (position, message, expected) => {
    const details: Record<string, unknown> = { filter, position };
    if (expected !== undefined) details.expected = expected;
    throw new CairnError(
      'search.invalid_filter',
      `Invalid filter at character ${position}: ${message}`,
      details,
    );
  };
  const tokens = tokenize(filter, fail);
  const end = filter.length;
  const clauses: FilterClause[] = [];
  let at = 0;
  while (at < tokens.length) {
    const first = tokens[at];
    if (first !== undefined && isKeyword(first, 'OR')) failOr(first, fail);
    const { identifier, next } = readIdentifier(tokens, at, end, fail);
    const written = sourceOf(filter, identifier);
    const target = resolveTarget(identifier, filter, spec, fail);
    const {
      comparator,
      token: comparatorToken,
      next: valueAt,
    } = readComparator(tokens, next, written, end, fail);

    const allowed =
      target.values === 'number'
        ? numberComparators
        : target.values === 'string'
          ? stringComparators
          : [...stringComparators, ...listComparators];
    if (!allowed.includes(comparator)) {
      fail(
        comparatorToken.start,
        `${comparator} cannot compare "${written}"; use one of ${allowed.join(', ')}`,
        'comparator',
      );
    }

    const value = tokens[valueAt];
    if (listComparators.includes(comparator)) {
      const list = readList(tokens, valueAt, end, fail);
      clauses.push({
        ...targetOf(target),
        kind: 'list',
        comparator: comparator as ListComparator,
        value: list.values,
      });
      at = list.next;
    } else if (target.values === 'number') {
      if (value?.kind !== 'number') {
        fail(value?.start ?? end, `expected a number to compare "${written}" with`, 'number');
      }
      clauses.push({
        ...targetOf(target),
        kind: 'number',
        comparator: comparator as NumberComparator,
        value: Number(value.text),
      });
      at = valueAt + 1;
    } else {
      if (!(value?.kind === 'quoted' && value.quote !== '`')) {
        const example = value?.kind === 'number' || value?.kind === 'word' ? ` such as '${value.text}'` : '';
        fail(
          value?.start ?? end,
          `expected a quoted string${example} to compare "${written}" with`,
          'string',
        );
      }
      clauses.push({
        ...targetOf(target),
        kind: 'string',
        comparator: comparator as StringComparator,
        value: value.value,
      });
      at = valueAt + 1;
    }

    const joiner = tokens[at];
    if (joiner === undefined) break;
    if (isKeyword(joiner, 'OR')) failOr(joiner, fail);
    if (!isKeyword(joiner, 'AND')) fail(joiner.start, 'expected AND or the end of the filter', 'AND');
    at += 1;
    if (at === tokens.length) fail(end, 'expected a comparison after AND', 'identifier');
  }
  return clauses;
}

function targetOf(target: Target): ClauseTarget {
  return { type: target.type, key: target.key };
}

// ---------------------------------------------------------------------------------------------
// Matching

/**
 * SQL LIKE: `%` is any run of characters, `_` exactly one, everything else literal, and the
 * whole string must match. Iterative so a pattern like `%a%a%a%b` cannot backtrack
 * exponentially. MLflow's in-memory matcher leaks regex syntax (`.` matches anything); its SQL
 * store does not, and this follows the SQL store.
 */
function like(text: string, pattern: string): boolean {
  const s = Array.from(text);
  const p = Array.from(pattern);
  let si = 0;
  let pi = 0;
  let star = -1;
  let resume = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '%') {
      star = pi;
      resume = si;
      pi += 1;
    } else if (pi < p.length && (p[pi] === '_' || p[pi] === s[si])) {
      si += 1;
      pi += 1;
    } else if (star !== -1) {
      pi = star + 1;
      resume += 1;
      si = resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '%') pi += 1;
  return pi === p.length;
}

function compareNumbers(comparator: NumberComparator, left: number, right: number): boolean {
  // JavaScript's operators are IEEE 754: any comparison with NaN is false, and NaN != x is true.
  switch (comparator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
  }
}

function compareStrings(clause: StringClause | ListClause, left: string): boolean {
  switch (clause.comparator) {
    case '=':
      return left === clause.value;
    case '!=':
      return left !== clause.value;
    case 'LIKE':
      return like(left, clause.value);
    case 'ILIKE':
      return like(left.toLowerCase(), clause.value.toLowerCase());
    case 'IN':
      return clause.value.includes(left);
    case 'NOT IN':
      return !clause.value.includes(left);
  }
}

/** Compares a present value; the caller has already ruled out a missing one. */
function test(clause: FilterClause, left: string | number): boolean {
  if (clause.kind === 'number') {
    // Stores may keep a numeric attribute (a model version number) as a string.
    if (typeof left === 'number') return compareNumbers(clause.comparator, left, clause.value);
    const number = Number(left);
    if (left.trim() === '' || Number.isNaN(number)) return false;
    return compareNumbers(clause.comparator, number, clause.value);
  }
  return compareStrings(clause, typeof left === 'string' ? left : String(left));
}

/** The entity's value for a non-dataset key; inherited object properties are never keys. */
export function fieldOf(
  entity: Searchable,
  type: Exclude<EntityType, 'dataset'>,
  key: string,
): string | number | null | undefined {
  const source: Readonly<Record<string, string | number | null | undefined>> | undefined =
    type === 'metric'
      ? entity.metrics
      : type === 'param'
        ? entity.params
        : type === 'tag'
          ? entity.tags
          : entity.attributes;
  return source !== undefined && Object.hasOwn(source, key) ? source[key] : undefined;
}

function matchesClause(entity: Searchable, clause: FilterClause): boolean {
  if (clause.type === 'dataset') {
    // Any one of the run's datasets may satisfy the clause; a run without datasets never does.
    return (entity.datasets ?? []).some((dataset) => {
      const value =
        clause.key === 'context' ? dataset.context : clause.key === 'name' ? dataset.name : dataset.digest;
      return value !== undefined && value !== null && test(clause, value);
    });
  }
  const value = fieldOf(entity, clause.type, clause.key);
  // A missing key never matches, not even `!=` or NOT IN: MLflow's rule, and what SQL NULL does.
  if (value === undefined || value === null) return false;
  return test(clause, value);
}

/** True when the entity satisfies every clause (an empty filter matches everything). */
export function matches(entity: Searchable, clauses: readonly FilterClause[]): boolean {
  return clauses.every((clause) => matchesClause(entity, clause));
}

// ---------------------------------------------------------------------------------------------
// Hints: what a store may use to narrow its query. They only ever narrow to a superset of the
// answer; the store still runs `matches` on what it reads.

/** The value an attribute must equal, if a clause pins it with `=`. */
export function attributeEquals(clauses: readonly FilterClause[], key: string): string | number | undefined {
  for (const clause of clauses) {
    if (clause.type === 'attribute' && clause.key === key && clause.comparator === '=') {
      return clause.value;
    }
  }
  return undefined;
}

/**
 * The only string values an attribute can take, from its `=` and `IN` clauses (intersected),
 * or undefined when nothing constrains it. An empty array means nothing can match.
 */
export function attributeIn(clauses: readonly FilterClause[], key: string): string[] | undefined {
  let allowed: string[] | undefined;
  for (const clause of clauses) {
    if (clause.type !== 'attribute' || clause.key !== key) continue;
    let values: string[];
    if (clause.kind === 'list' && clause.comparator === 'IN') values = clause.value;
    else if (clause.kind === 'string' && clause.comparator === '=') values = [clause.value];
    else continue;
    const unique = [...new Set(values)];
    allowed = allowed === undefined ? unique : allowed.filter((value) => unique.includes(value));
  }
  return allowed;
}

/** The run ids a filter restricts to (`run_id = …`, `run_id IN (…)`), for a batch get instead of a query. */
export function runIdIn(clauses: readonly FilterClause[]): string[] | undefined {
  return attributeIn(clauses, 'run_id');
}

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** The tightest numeric bounds the clauses put on an attribute, e.g. `start_time` for a key range. */
export function attributeRange(
  clauses: readonly FilterClause[],
  key: string,
): { lower?: Bound; upper?: Bound } {
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  const tighterLower = (bound: Bound) =>
    lower === undefined || bound.value > lower.value || (bound.value === lower.value && !bound.inclusive);
  const tighterUpper = (bound: Bound) =>
    upper === undefined || bound.value < upper.value || (bound.value === upper.value && !bound.inclusive);
  for (const clause of clauses) {
    if (clause.type !== 'attribute' || clause.key !== key || clause.kind !== 'number') continue;
    if (Number.isNaN(clause.value)) continue;
    const { comparator, value } = clause;
    if (comparator === '>' || comparator === '>=' || comparator === '=') {
      const bound = { value, inclusive: comparator !== '>' };
      if (tighterLower(bound)) lower = bound;
    }
    if (comparator === '<' || comparator === '<=' || comparator === '=') {
      const bound = { value, inclusive: comparator !== '<' };
      if (tighterUpper(bound)) upper = bound;
    }
  }
  const range: { lower?: Bound; upper?: Bound } = {};
  if (lower !== undefined) range.lower = lower;
  if (upper !== undefined) range.upper = upper;
  return range;
}
