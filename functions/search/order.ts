import { CairnError } from '#http/errors.ts';
import type { Fail, Searchable, SearchSpec } from './filter.ts';
import { fieldOf, isKeyword, readIdentifier, resolveType, sourceOf, tokenize } from './filter.ts';

/** One parsed `order_by` entry. Datasets cannot be ordered by. */
export interface OrderClause {
  type: 'attribute' | 'metric' | 'param' | 'tag';
  key: string;
  ascending: boolean;
}

function parseOne(clause: unknown, index: number, spec: SearchSpec): OrderClause {
  const text = typeof clause === 'string' ? clause : '';
  const fail: Fail = (position, message, expected) => {
    const details: Record<string, unknown> = { clause, index, position };
    if (expected !== undefined) details.expected = expected;
    throw new CairnError(
      'search.invalid_order_by',
      `Invalid order_by clause ${JSON.stringify(clause)} at character ${position}: ${message}`,
      details,
    );
  };
  if (typeof clause !== 'string') fail(0, 'expected a string such as "metrics.accuracy DESC"');

  const tokens = tokenize(text, fail);
  if (tokens.length === 0) fail(0, 'expected an identifier such as metrics.accuracy', 'identifier');
  const { identifier, next } = readIdentifier(tokens, 0, text.length, fail);
  const written = sourceOf(text, identifier);

  let ascending = true;
  const direction = tokens[next];
  if (direction !== undefined) {
    if (!isKeyword(direction, 'ASC') && !isKeyword(direction, 'DESC')) {
      fail(direction.start, `expected ASC or DESC after "${written}"`, 'ASC or DESC');
    }
    ascending = isKeyword(direction, 'ASC');
    const extra = tokens[next + 1];
    if (extra !== undefined) fail(extra.start, 'expected the end of the clause', 'end');
  }

  const type = resolveType(identifier.prefix);
  if (type === 'attribute') {
    const { aliases, order } = spec;
    const key = Object.hasOwn(order.aliases, identifier.key)
      ? order.aliases[identifier.key]!
      : Object.hasOwn(aliases, identifier.key)
        ? aliases[identifier.key]!
        : identifier.key;
    if (!order.attributes.includes(key)) {
      fail(
        identifier.start,
        `${spec.subject} cannot be ordered by attribute "${identifier.key}"; valid attributes are ${order.attributes.join(', ')}`,
        'identifier',
      );
    }
    return { type, key, ascending };
  }
  if (type === 'metric' || type === 'param' || type === 'tag') {
    if (spec.order.types.includes(type)) return { type, key: identifier.key, ascending };
  }
  const what =
    type === undefined
      ? `unknown type "${identifier.prefix}"`
      : `${spec.subject} cannot be ordered by ${type}s`;
  const types = spec.order.types.map((orderable) => `${orderable}s`);
  return fail(identifier.start, `${what}; order by ${['attributes', ...types].join(', ')}`, 'identifier');
}

/**
 * Parses MLflow `order_by` entries, `"<identifier> [ASC|DESC]"` (ASC by default), against a
 * search spec. Throws `search.invalid_order_by` with `{ clause, index, position, expected? }`.
 */
export function parseOrderBy(orderBy: readonly string[] | null | undefined, spec: SearchSpec): OrderClause[] {
  if (orderBy === null || orderBy === undefined) return [];
  if (!Array.isArray(orderBy)) {
    throw new CairnError('search.invalid_order_by', 'Invalid order_by: expected a list of clauses', {
      clause: orderBy,
      index: 0,
      position: 0,
    });
  }
  return orderBy.map((clause, index) => parseOne(clause, index, spec));
}

type SortValue = string | number | null | undefined;

/*
 * MLflow's `_get_value_for_sort` builds the key (is_none_or_nan, value) for ascending sorts and
 * (not is_none_or_nan, value) with reverse=True for descending ones, filling None with +inf and
 * NaN with -inf (ascending) or the other way round (descending). Worked through, both directions
 * give the same tail: real values first in the requested direction, then NaN, then missing
 * values. So direction only ever reorders the real values.
 */
function rank(value: SortValue): number {
  if (value === undefined || value === null) return 2;
  if (typeof value === 'number' && Number.isNaN(value)) return 1;
  return 0;
}

function compareValues(left: SortValue, right: SortValue, ascending: boolean): number {
  const leftRank = rank(left);
  const rightRank = rank(right);
  if (leftRank !== rightRank) return leftRank - rightRank;
  if (leftRank !== 0 || left === right) return 0;
  let order: number;
  if (typeof left === typeof right) order = (left as string | number) < (right as string | number) ? -1 : 1;
  // A store that mixes types for one key still gets a total order: numbers before strings.
  else order = typeof left === 'number' ? -1 : 1;
  return ascending ? order : -order;
}

/**
 * A comparator for `Array.prototype.sort` that applies the caller's clauses in turn, then the
 * spec's default order as the tie-break (runs: `start_time DESC, run_id ASC`).
 */
export function compareBy(
  orderBy: readonly OrderClause[],
  defaultOrder: readonly OrderClause[],
): (left: Searchable, right: Searchable) => number {
  const clauses = [...orderBy, ...defaultOrder];
  return (left, right) => {
    for (const clause of clauses) {
      const order = compareValues(
        fieldOf(left, clause.type, clause.key),
        fieldOf(right, clause.type, clause.key),
        clause.ascending,
      );
      if (order !== 0) return order;
    }
    return 0;
  };
}

/**
 * Sorts like `compareBy`, reading each item's sort values once instead of once per comparison:
 * what keeps a search over 10,000 runs from spending its time in the sort.
 */
export function sortBy<T>(
  items: readonly T[],
  view: (item: T) => Searchable,
  orderBy: readonly OrderClause[],
  defaultOrder: readonly OrderClause[],
): T[] {
  const clauses = [...orderBy, ...defaultOrder];
  const decorated = items.map((item) => {
    const searchable = view(item);
    return { item, values: clauses.map((clause) => fieldOf(searchable, clause.type, clause.key)) };
  });
  decorated.sort((left, right) => {
    for (let i = 0; i < clauses.length; i++) {
      const order = compareValues(left.values[i], right.values[i], clauses[i]!.ascending);
      if (order !== 0) return order;
    }
    return 0;
  });
  return decorated.map(({ item }) => item);
}
