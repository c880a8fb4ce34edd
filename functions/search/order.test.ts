import { describe, expect, it, test } from 'vitest';
import { CairnError } from '#http/errors.ts';
import { experimentSearch, modelSearch, modelVersionSearch, runSearch, type Searchable } from './filter.ts';
import { compareBy, type OrderClause, parseOrderBy, sortBy } from './order.ts';

function orderByError(orderBy: string[], spec = runSearch): CairnError {
  try {
    parseOrderBy(orderBy, spec);
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(orderBy)} to be rejected`);
}

describe('parseOrderBy', () => {
  it('reads identifiers with ASC as the default direction', () => {
    // Act
    const clauses = parseOrderBy(
      ['metrics.acc', 'params.lr desc', 'tags.team ASC', 'attributes.start_time DESC'],
      runSearch,
    );

    // Assess
    expect(clauses).toEqual([
      { type: 'metric', key: 'acc', ascending: true },
      { type: 'param', key: 'lr', ascending: false },
      { type: 'tag', key: 'team', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: false },
    ]);
  });

  it.each([undefined, null, []])('treats %j as no ordering', (orderBy) => {
    expect(parseOrderBy(orderBy, runSearch)).toEqual([]);
  });

  it.each([
    ['metrics.`f1 score` DESC', { type: 'metric', key: 'f1 score', ascending: false }],
    ['metrics."f1 score"', { type: 'metric', key: 'f1 score', ascending: true }],
    ['tags.mlflow.runName', { type: 'tag', key: 'mlflow.runName', ascending: true }],
    ['  run_name   desc ', { type: 'attribute', key: 'run_name', ascending: false }],
    ['created DESC', { type: 'attribute', key: 'start_time', ascending: false }],
    ['`Run Name`', { type: 'attribute', key: 'run_name', ascending: true }],
  ])('reads %j', (text, clause) => {
    expect(parseOrderBy([text], runSearch)).toEqual([clause]);
  });

  it('orders runs by start_time when asked for timestamp', () => {
    expect(parseOrderBy(['timestamp DESC'], runSearch)).toEqual([
      { type: 'attribute', key: 'start_time', ascending: false },
    ]);
  });

  it('orders registered models and versions by creation_timestamp when asked for timestamp', () => {
    expect(parseOrderBy(['timestamp'], modelSearch)).toEqual([
      { type: 'attribute', key: 'creation_timestamp', ascending: true },
    ]);
    expect(parseOrderBy(['version_number DESC'], modelVersionSearch)).toEqual([
      { type: 'attribute', key: 'version', ascending: false },
    ]);
  });

  it('accepts the orderable experiment attributes', () => {
    const keys = parseOrderBy(
      ['name', 'experiment_id', 'creation_time', 'last_update_time DESC'],
      experimentSearch,
    );
    expect(keys.map((clause) => clause.key)).toEqual([
      'name',
      'experiment_id',
      'creation_time',
      'last_update_time',
    ]);
  });

  it('names the offending clause, its index and where it broke', () => {
    // Act
    const error = orderByError(['metrics.acc', 'params.lr sideways']);

    // Assess
    expect(error.code).toBe('search.invalid_order_by');
    expect(error.status).toBe(400);
    expect(error.details).toEqual({
      clause: 'params.lr sideways',
      index: 1,
      position: 10,
      expected: 'ASC or DESC',
    });
    expect(error.message).toBe(
      'Invalid order_by clause "params.lr sideways" at character 10: expected ASC or DESC after "params.lr"',
    );
  });

  it.each([
    [[''], runSearch, 0],
    [['   '], runSearch, 0],
    [['metrics.acc DESC extra'], runSearch, 17],
    [['metrics.acc, params.lr'], runSearch, 11],
    [['colour'], runSearch, 0],
    [['dataset.name'], runSearch, 0],
    [['unknown.key'], runSearch, 0],
    [['metrics.acc'], experimentSearch, 0],
    [['tags.team'], modelSearch, 0],
    [['run_id'], modelSearch, 0],
    [['timestamp'], experimentSearch, 0],
    [["'name'"], modelSearch, 0],
    [['metrics.`acc'], runSearch, 8],
    [['(name)'], modelSearch, 0],
    [['DESC'], runSearch, 0],
  ])('rejects %j', (orderBy, spec, position) => {
    const error = orderByError(orderBy, spec);
    expect(error.code).toBe('search.invalid_order_by');
    expect(error.details).toMatchObject({ clause: orderBy[0], index: 0, position });
  });

  it('rejects order_by that is not a list', () => {
    const error = orderByError('start_time DESC' as unknown as string[]);
    expect(error.code).toBe('search.invalid_order_by');
  });

  it('rejects an entry that is not a string', () => {
    const error = orderByError([7 as unknown as string]);
    expect(error.code).toBe('search.invalid_order_by');
  });
});

const entity = (
  attributes: Searchable['attributes'],
  metrics: Record<string, number> = {},
  tags: Record<string, string> = {},
): Searchable => ({ attributes, metrics, tags });

const ids = (items: Searchable[]) => items.map((item) => item.attributes.run_id ?? item.attributes.name);

describe('compareBy', () => {
  it('orders runs by start_time DESC then run_id ASC when no order_by is given', () => {
    // Prepare
    const runs = [
      entity({ run_id: 'b', start_time: 1 }),
      entity({ run_id: 'c', start_time: 2 }),
      entity({ run_id: 'a', start_time: 1 }),
    ];

    // Act
    runs.sort(compareBy([], runSearch.defaultOrder));

    // Assess
    expect(ids(runs)).toEqual(['c', 'a', 'b']);
  });

  it('applies clauses in turn, then the default tie-break', () => {
    // Prepare
    const runs = [
      entity({ run_id: 'a', start_time: 1 }, { acc: 0.5 }, { team: 'x' }),
      entity({ run_id: 'b', start_time: 2 }, { acc: 0.9 }, { team: 'y' }),
      entity({ run_id: 'c', start_time: 3 }, { acc: 0.5 }, { team: 'y' }),
      entity({ run_id: 'd', start_time: 4 }, { acc: 0.5 }, { team: 'x' }),
    ];
    const orderBy = parseOrderBy(['tags.team DESC', 'metrics.acc'], runSearch);

    // Act
    runs.sort(compareBy(orderBy, runSearch.defaultOrder));

    // Assess
    expect(ids(runs)).toEqual(['c', 'b', 'd', 'a']);
  });

  it.each([
    [true, ['low', 'high', 'nan', 'none']],
    [false, ['high', 'low', 'nan', 'none']],
  ])(
    'puts NaN after numbers and missing values last (ascending: %s), as MLflow does',
    (ascending, expected) => {
      // Prepare
      const runs = [
        entity({ run_id: 'none', start_time: 0 }),
        entity({ run_id: 'nan', start_time: 0 }, { m: Number.NaN }),
        entity({ run_id: 'high', start_time: 0 }, { m: Number.POSITIVE_INFINITY }),
        entity({ run_id: 'low', start_time: 0 }, { m: -5 }),
      ];
      const orderBy: OrderClause[] = [{ type: 'metric', key: 'm', ascending }];

      // Act
      runs.sort(compareBy(orderBy, []));

      // Assess
      expect(ids(runs)).toEqual(expected);
    },
  );

  it('puts null attributes last in both directions', () => {
    const runs = [
      entity({ run_id: 'open', end_time: null }),
      entity({ run_id: 'a', end_time: 5 }),
      entity({ run_id: 'b', end_time: 9 }),
    ];
    expect(ids([...runs].sort(compareBy(parseOrderBy(['end_time'], runSearch), [])))).toEqual([
      'a',
      'b',
      'open',
    ]);
    expect(ids([...runs].sort(compareBy(parseOrderBy(['end_time DESC'], runSearch), [])))).toEqual([
      'b',
      'a',
      'open',
    ]);
  });

  it('orders strings by code unit, as a case-sensitive sort', () => {
    const models = [entity({ name: 'b' }), entity({ name: 'B' }), entity({ name: 'a' })];
    models.sort(compareBy([], modelSearch.defaultOrder));
    expect(ids(models)).toEqual(['B', 'a', 'b']);
  });

  it('breaks ties between experiments by experiment_id DESC', () => {
    const experiments = [
      entity({ name: 'x', experiment_id: '1', last_update_time: 5 }),
      entity({ name: 'y', experiment_id: '3', last_update_time: 5 }),
      entity({ name: 'z', experiment_id: '2', last_update_time: 9 }),
    ];
    experiments.sort(
      compareBy(parseOrderBy(['last_update_time DESC'], experimentSearch), experimentSearch.defaultOrder),
    );
    expect(ids(experiments)).toEqual(['z', 'y', 'x']);
  });

  it('orders model versions by name, then newest version first', () => {
    const versions = [
      entity({ name: 'm', version: 1 }),
      entity({ name: 'a', version: 1 }),
      entity({ name: 'm', version: 2 }),
    ];
    versions.sort(compareBy([], modelVersionSearch.defaultOrder));
    expect(versions.map((version) => `${version.attributes.name}/${version.attributes.version}`)).toEqual([
      'a/1',
      'm/2',
      'm/1',
    ]);
  });

  it('still gives a total order when one key holds both numbers and strings', () => {
    const runs = [entity({ run_id: 's', status: 'x' }), entity({ run_id: 'n', status: 3 })];
    runs.sort(compareBy(parseOrderBy(['status'], runSearch), []));
    expect(ids(runs)).toEqual(['n', 's']);
  });
});

describe('sortBy', () => {
  test('orders exactly as compareBy does, reading values once per item', () => {
    const items: Searchable[] = Array.from({ length: 200 }, (_, i) => ({
      attributes: { run_id: `r${(i * 7919) % 200}`, start_time: i % 5 },
      metrics: i % 9 === 0 ? ({} as Record<string, number>) : { acc: i % 13 === 0 ? Number.NaN : (i * 31) % 17 },
    }));
    const clauses = parseOrderBy(['metrics.acc DESC'], runSearch);
    const expected = [...items].sort(compareBy(clauses, runSearch.defaultOrder));
    expect(sortBy(items, (item) => item, clauses, runSearch.defaultOrder)).toEqual(expected);
  });
});
