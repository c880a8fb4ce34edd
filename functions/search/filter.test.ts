import { describe, expect, it } from 'vitest';
import { CairnError } from '#http/errors.ts';
import {
  attributeEquals,
  attributeIn,
  attributeRange,
  experimentSearch,
  type FilterClause,
  matches,
  modelSearch,
  modelVersionSearch,
  parseFilter,
  runIdIn,
  runSearch,
  type Searchable,
} from './filter.ts';

/** Runs the parser and returns the CairnError it throws, failing the test if it does not. */
function filterError(filter: string, spec = runSearch): CairnError {
  try {
    parseFilter(filter, spec);
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

const run: Searchable = {
  attributes: {
    run_id: '0a1b2c',
    run_name: 'Brave-Otter',
    status: 'FINISHED',
    user_id: 'ana',
    start_time: 1_700_000_000_000,
    end_time: null,
    lifecycle_stage: 'active',
  },
  metrics: { acc: 0.93, loss: Number.NaN, 'f1 score': 0.5, 'val/loss': -1.5 },
  params: { lr: '0.01', optimizer: 'Adam' },
  tags: { team: 'ml-platform', 'mlflow.runName': 'Brave-Otter', 'my key': 'yes' },
  datasets: [
    { name: 'train', digest: 'abc123', context: 'training' },
    { name: 'eval', digest: 'def456' },
  ],
};

const matchesFilter = (filter: string, entity: Searchable = run, spec = runSearch) =>
  matches(entity, parseFilter(filter, spec));

describe('parseFilter: accepted filters', () => {
  it('parses the MLflow documentation example into one clause per comparison', () => {
    // Prepare
    const filter =
      "metrics.accuracy > 0.9 and params.n_estimators = '100' and tags.`team` LIKE 'ml%' and attributes.status = 'FINISHED'";

    // Act
    const clauses = parseFilter(filter, runSearch);

    // Assess
    expect(clauses).toEqual([
      { type: 'metric', key: 'accuracy', kind: 'number', comparator: '>', value: 0.9 },
      { type: 'param', key: 'n_estimators', kind: 'string', comparator: '=', value: '100' },
      { type: 'tag', key: 'team', kind: 'string', comparator: 'LIKE', value: 'ml%' },
      { type: 'attribute', key: 'status', kind: 'string', comparator: '=', value: 'FINISHED' },
    ]);
  });

  it.each([undefined, null, '', '   \n\t'])('treats %j as no filter at all', (filter) => {
    expect(parseFilter(filter, runSearch)).toEqual([]);
  });

  it.each([
    ['metric.a > 1', 'metric'],
    ['metrics.a > 1', 'metric'],
    ["param.a = 'x'", 'param'],
    ["params.a = 'x'", 'param'],
    ["parameter.a = 'x'", 'param'],
    ["parameters.a = 'x'", 'param'],
    ["tag.a = 'x'", 'tag'],
    ["tags.a = 'x'", 'tag'],
    ["attribute.status = 'x'", 'attribute'],
    ["attributes.status = 'x'", 'attribute'],
    ["attr.status = 'x'", 'attribute'],
    ["run.status = 'x'", 'attribute'],
    ["status = 'x'", 'attribute'],
    ["dataset.name = 'x'", 'dataset'],
    ["datasets.name = 'x'", 'dataset'],
  ])('reads the type of %s as %s', (filter, type) => {
    expect(parseFilter(filter, runSearch)[0]?.type).toBe(type);
  });

  it('splits an identifier on its first dot, so dotted tag keys work unquoted', () => {
    expect(parseFilter("tags.mlflow.runName = 'x'", runSearch)[0]).toMatchObject({
      type: 'tag',
      key: 'mlflow.runName',
    });
  });

  it.each([
    ["tags.`my key` = 'x'", 'tag', 'my key'],
    ['metrics."f1 score" > 0.5', 'metric', 'f1 score'],
    ['metrics.`a.b` > 0.5', 'metric', 'a.b'],
    ["`tags`.`my key` = 'x'", 'tag', 'my key'],
    ['`metrics`.acc > 1', 'metric', 'acc'],
    ["`run name` = 'x'", 'attribute', 'run_name'],
    ['"Created" > 5', 'attribute', 'start_time'],
    ["tags.`it``s` = 'x'", 'tag', 'it`s'],
    ['metrics.val/loss < 0', 'metric', 'val/loss'],
  ])('reads the quoted or unusual identifier in %s', (filter, type, key) => {
    expect(parseFilter(filter, runSearch)[0]).toMatchObject({ type, key });
  });

  it('maps MLflow attribute aliases to their canonical names', () => {
    const clauses = parseFilter("created >= 10 AND attributes.`Run Name` = 'x'", runSearch);
    expect(clauses.map((clause) => clause.key)).toEqual(['start_time', 'run_name']);
  });

  it.each([
    ['metrics.a = 1', '='],
    ['metrics.a != 1', '!='],
    ['metrics.a <> 1', '!='],
    ['metrics.a > 1', '>'],
    ['metrics.a >= 1', '>='],
    ['metrics.a < 1', '<'],
    ['metrics.a <= 1', '<='],
    ["params.a like 'x'", 'LIKE'],
    ["params.a ILike 'x'", 'ILIKE'],
    ["run_id in ('a')", 'IN'],
    ["run_id not IN ('a')", 'NOT IN'],
  ])('reads the comparator of %s as %s, whatever its case', (filter, comparator) => {
    expect(parseFilter(filter, runSearch)[0]?.comparator).toBe(comparator);
  });

  it.each([
    ['metrics.a > -1', -1],
    ['metrics.a > 0.25', 0.25],
    ['metrics.a > .5', 0.5],
    ['metrics.a > -.5', -0.5],
    ['metrics.a > 1e3', 1000],
    ['metrics.a > 2.5E-3', 0.0025],
    ['metrics.a > +7', 7],
    ['metrics.a>-3', -3],
  ])('reads the number in %s as %d', (filter, value) => {
    expect(parseFilter(filter, runSearch)[0]?.value).toBe(value);
  });

  it.each([
    ["params.a = 'it''s'", "it's"],
    ["params.a = 'it\\'s'", "it's"],
    ['params.a = "say ""hi"""', 'say "hi"'],
    ['params.a = "say \\"hi\\""', 'say "hi"'],
    ["params.a = 'C:\\dir'", 'C:\\dir'],
    ["params.a = ''", ''],
    ["params.a = 'AND OR ( ) , = '", 'AND OR ( ) , = '],
  ])('unescapes the string in %s', (filter, value) => {
    expect(parseFilter(filter, runSearch)[0]?.value).toBe(value);
  });

  it('reads IN lists of single- or double-quoted strings', () => {
    expect(parseFilter(`run_id IN ('a', "b",'c' )`, runSearch)[0]).toEqual({
      type: 'attribute',
      key: 'run_id',
      kind: 'list',
      comparator: 'IN',
      value: ['a', 'b', 'c'],
    });
  });

  it('accepts AND in any case and no spaces where none are needed', () => {
    expect(parseFilter("metrics.a>1 AnD params.b='x'and tags.c='y'", runSearch)).toHaveLength(3);
  });

  it('accepts dataset names, digests and contexts, with IN lists', () => {
    const clauses = parseFilter(
      "dataset.name IN ('train', 'eval') AND datasets.digest = 'abc' AND dataset.context LIKE 'train%'",
      runSearch,
    );
    expect(clauses.map((clause) => [clause.key, clause.comparator])).toEqual([
      ['name', 'IN'],
      ['digest', '='],
      ['context', 'LIKE'],
    ]);
  });
});

describe('parseFilter: rejected filters say where they broke', () => {
  it('points just past the identifier when the comparator is missing', () => {
    // Prepare
    const filter = "params.a = 'x' AND metrics.acc";

    // Act
    const error = filterError(filter);

    // Assess
    expect(error.code).toBe('search.invalid_filter');
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ filter, position: 30, expected: 'comparator' });
    expect(error.message).toBe('Invalid filter at character 30: expected a comparator after "metrics.acc"');
  });

  it('rejects OR with a message naming it', () => {
    const error = filterError('metrics.a > 1 OR metrics.b > 1');
    expect(error.code).toBe('search.invalid_filter');
    expect(error.details).toMatchObject({ position: 14, expected: 'AND' });
    expect(error.message).toContain('OR is not supported');
  });

  it('rejects parentheses used for grouping', () => {
    const error = filterError('(metrics.a > 1 AND metrics.b > 1)');
    expect(error.code).toBe('search.invalid_filter');
    expect(error.details).toMatchObject({ position: 0 });
    expect(error.message).toContain('parentheses are not supported');
  });

  it.each([
    ['metrics.a > 1 AND', 17, 'identifier'],
    ['AND metrics.a > 1', 0, 'identifier'],
    ['metrics.a > 1 metrics.b > 2', 14, 'AND'],
    ['metrics.a >', 11, 'number'],
    ["metrics.a > '0.9'", 12, 'number'],
    ['metrics.a > abc', 12, 'number'],
    ['params.a = 1', 11, 'string'],
    ['params.a = abc', 11, 'string'],
    ['params.a = `abc`', 11, 'string'],
    ["params.a == 'x'", 10, 'string'],
    ["params.a ! 'x'", 9, 'comparator'],
    ["metrics.a LIKE 'x%'", 10, 'comparator'],
    ["params.a > 'x'", 9, 'comparator'],
    ["params.a IN ('x')", 9, 'comparator'],
    ["run_name IN ('x')", 9, 'comparator'],
    ['start_time > 1x', 13, 'number'],
    ["status NOT LIKE 'x'", 11, 'IN'],
    ["tags. = 'x'", 5, 'key'],
    ["tags.`` = 'x'", 0, 'key'],
    ["'status' = 'x'", 0, 'identifier'],
    ["nonsense = 'x'", 0, 'identifier'],
    ["metricz.a = 'x'", 0, 'identifier'],
    ["dataset.size = 'x'", 0, 'identifier'],
    ["params.a = 'x", 11, "'"],
    ['tags."a = 1', 5, '"'],
    ['run_id IN ()', 11, 'string'],
    ["run_id IN ('a',)", 15, 'string'],
    ["run_id IN ('a' 'b')", 15, ')'],
    ["run_id IN 'a'", 10, 'list'],
    ['run_id IN (1, 2)', 11, 'string'],
    ['start_time = 1 ; DROP', 15, undefined],
  ])('rejects %j at character %i', (filter, position, expected) => {
    // Act
    const error = filterError(filter);

    // Assess
    expect(error.code).toBe('search.invalid_filter');
    expect(error.details?.position).toBe(position);
    expect(error.details?.expected).toBe(expected);
    expect(error.message).toMatch(new RegExp(`^Invalid filter at character ${position}: `));
  });

  it('lists the valid attributes when an attribute is unknown', () => {
    const error = filterError("attributes.colour = 'red'");
    expect(error.message).toContain('unknown attribute "colour" for runs');
    expect(error.message).toContain('run_id');
  });

  it('does not treat inherited object properties as attributes or types', () => {
    expect(filterError("constructor = 'x'").code).toBe('search.invalid_filter');
    expect(filterError("toString.a = 'x'").code).toBe('search.invalid_filter');
  });

  it('rejects a value that is not a string with a CairnError rather than a crash', () => {
    const error = filterError(42 as unknown as string);
    expect(error.code).toBe('search.invalid_filter');
  });
});

describe('parseFilter: search specs', () => {
  it('filters experiments by name, times, id and tags', () => {
    const clauses = parseFilter(
      "name LIKE 'exp%' AND creation_time > 5 AND last_update_time <= 9 AND experiment_id IN ('1','2') AND tags.k = 'v'",
      experimentSearch,
    );
    expect(clauses.map((clause) => [clause.type, clause.key, clause.kind])).toEqual([
      ['attribute', 'name', 'string'],
      ['attribute', 'creation_time', 'number'],
      ['attribute', 'last_update_time', 'number'],
      ['attribute', 'experiment_id', 'list'],
      ['tag', 'k', 'string'],
    ]);
  });

  it.each([
    ['metrics.a > 1', 'metrics are not searchable'],
    ["params.a = 'x'", 'params are not searchable'],
    ["status = 'x'", 'unknown attribute "status" for experiments'],
    ["creation_time = '5'", 'expected a number'],
  ])('rejects %j for experiments', (filter, message) => {
    const error = filterError(filter, experimentSearch);
    expect(error.code).toBe('search.invalid_filter');
    expect(error.message).toContain(message);
  });

  it('filters registered models by name and tags only', () => {
    expect(parseFilter("name ILIKE '%bert%' AND tags.stage = 'prod'", modelSearch)).toHaveLength(2);
    expect(filterError("run_id = 'x'", modelSearch).code).toBe('search.invalid_filter');
    expect(filterError("dataset.name = 'x'", modelSearch).code).toBe('search.invalid_filter');
  });

  it('filters model versions by name, run_id lists, source_path and version numbers', () => {
    const clauses = parseFilter(
      "name = 'm' AND run_id IN ('r1') AND source_path LIKE 's3://%' AND version_number >= 2 AND tags.t = 'x'",
      modelVersionSearch,
    );
    expect(clauses.map((clause) => clause.key)).toEqual(['name', 'run_id', 'source_path', 'version', 't']);
  });
});

describe('parseFilter: fuzzing', () => {
  // A deterministic generator keeps a failure reproducible from the test output.
  function random(seed: number) {
    let state = seed >>> 0;
    return () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  const pieces = [
    'metrics.',
    'params.',
    'tags.',
    'attributes.',
    'dataset.',
    'acc',
    'run_id',
    'start_time',
    'status',
    'name',
    ' AND ',
    ' and ',
    ' OR ',
    ' NOT ',
    ' IN ',
    ' LIKE ',
    ' ILIKE ',
    '=',
    '!=',
    '<>',
    '<',
    '>=',
    '!',
    '(',
    ')',
    ',',
    "'",
    '"',
    '`',
    '\\',
    "'x'",
    '"y"',
    '`k`',
    '1',
    '-2.5',
    '1e9',
    '.',
    '-',
    '+',
    ' ',
    '\n',
    '%',
    '_',
    'é',
    '😀',
    '\u0000',
    '\ud800',
    ';',
    '#',
  ];

  it('answers thousands of random and mutated filters with either clauses or a positioned invalid_filter', () => {
    // Prepare
    const next = random(20240601);
    const inputs: string[] = [];
    for (let i = 0; i < 4000; i += 1) {
      let text = '';
      const length = Math.floor(next() * 12);
      for (let j = 0; j < length; j += 1) text += pieces[Math.floor(next() * pieces.length)];
      inputs.push(text);
    }
    for (let i = 0; i < 1000; i += 1) {
      let text = '';
      const length = Math.floor(next() * 40);
      for (let j = 0; j < length; j += 1) text += String.fromCharCode(Math.floor(next() * 0x80));
      inputs.push(text);
    }
    const valid = [
      "metrics.acc > 0.9 AND params.lr = '0.01' AND tags.`my key` LIKE 'y%'",
      "run_id NOT IN ('a', \"b\") and dataset.context ILIKE '%train%'",
      'metrics."f1 score" <= -1.5e-3 AND created >= 10',
    ];
    for (let i = 0; i < 2000; i += 1) {
      const chars = Array.from(valid[i % valid.length]!);
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits -= 1) {
        const at = Math.floor(next() * (chars.length + 1));
        const piece = pieces[Math.floor(next() * pieces.length)]!;
        const action = next();
        if (action < 0.33) chars.splice(at, 1);
        else if (action < 0.66) chars.splice(at, 0, piece);
        else chars.splice(at, 1, piece);
      }
      inputs.push(chars.join(''));
    }
    const unexpected: { input: string; error: unknown }[] = [];
    let accepted = 0;

    // Act
    for (const input of inputs) {
      for (const spec of [runSearch, experimentSearch]) {
        try {
          const clauses = parseFilter(input, spec);
          matches(run, clauses);
          accepted += 1;
        } catch (error) {
          const positioned =
            error instanceof CairnError &&
            error.code === 'search.invalid_filter' &&
            typeof error.details?.position === 'number' &&
            error.details.position >= 0 &&
            error.details.position <= input.length;
          if (!positioned) unexpected.push({ input, error });
        }
      }
    }

    // Assess
    expect(unexpected).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('matches', () => {
  it.each([
    ['metrics.acc > 0.9', true],
    ['metrics.acc >= 0.93', true],
    ['metrics.acc < 0.93', false],
    ['metrics.acc = 0.93', true],
    ['metrics.acc != 0.93', false],
    ['metrics.`val/loss` < -1', true],
    ['metrics."f1 score" <= 0.5', true],
  ])('compares metrics numerically: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it.each([
    ['metrics.loss > 0', false],
    ['metrics.loss < 0', false],
    ['metrics.loss = 0', false],
    ['metrics.loss != 0', true],
  ])('follows IEEE 754 for a NaN metric: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it.each(['metrics.missing != 1', "params.missing != 'x'", "tags.missing != 'x'"])(
    'never matches a run missing the key, not even with != (%s)',
    (filter) => {
      expect(matchesFilter(filter)).toBe(false);
    },
  );

  it('never matches a run missing the attribute, not even with NOT IN', () => {
    expect(matchesFilter("run_id NOT IN ('x')", { attributes: {} })).toBe(false);
  });

  it('never matches a null attribute, not even with !=', () => {
    expect(matchesFilter('end_time != 5')).toBe(false);
    expect(matchesFilter('end_time > 0')).toBe(false);
  });

  it.each([
    ["tags.team LIKE 'ml%'", true],
    ["tags.team LIKE 'ML%'", false],
    ["tags.team ILIKE 'ML%'", true],
    ["tags.team LIKE 'ml'", false],
    ["tags.team LIKE '%platform'", true],
    ["tags.team LIKE '%-%'", true],
    ["tags.team LIKE 'ml_platform'", true],
    ["tags.team LIKE 'ml_platfor'", false],
    ["tags.team LIKE 'ml-platform'", true],
    ["tags.team LIKE '%'", true],
    ["tags.team LIKE 'm%m'", true],
    ["tags.team LIKE 'm%x'", false],
    ["tags.team LIKE 'ml.platform'", false],
    ["tags.team LIKE 'ml-platform%%'", true],
  ])('matches LIKE patterns anchored at both ends: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it('treats _ as exactly one character, even outside the basic plane', () => {
    const entity: Searchable = { attributes: {}, tags: { face: 'a😀b' } };
    expect(matchesFilter("tags.face LIKE 'a_b'", entity)).toBe(true);
    expect(matchesFilter("tags.face LIKE 'a__b'", entity)).toBe(false);
  });

  it('stays fast on patterns that make regex engines backtrack', () => {
    const entity: Searchable = { attributes: {}, tags: { long: 'a'.repeat(5000) } };
    const started = performance.now();
    expect(matchesFilter(`tags.long LIKE '${'%a'.repeat(20)}b'`, entity)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it.each([
    ["params.lr = '0.01'", true],
    ["params.lr = '0.010'", false],
    ["params.optimizer != 'SGD'", true],
    ["params.optimizer ILIKE 'adam'", true],
    ["tags.`my key` = 'yes'", true],
    ["tags.mlflow.runName = 'Brave-Otter'", true],
  ])('compares params and tags as strings: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it.each([
    ["status = 'FINISHED'", true],
    ["attributes.status != 'FINISHED'", false],
    ["run_name ILIKE 'brave%'", true],
    ["`run name` = 'Brave-Otter'", true],
    ["run_id IN ('zz', '0a1b2c')", true],
    ["run_id NOT IN ('zz', '0a1b2c')", false],
    ["run_id NOT IN ('zz')", true],
    ['start_time >= 1700000000000', true],
    ['created < 1700000000000', false],
    ["lifecycle_stage = 'active'", true],
    ["artifact_uri LIKE '%'", false],
  ])('compares attributes: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it('compares a numeric attribute stored as a string by its number', () => {
    const version: Searchable = { attributes: { name: 'm', version: '10', run_id: 'r' } };
    expect(matchesFilter('version > 9', version, modelVersionSearch)).toBe(true);
    expect(matchesFilter('version_number = 10', version, modelVersionSearch)).toBe(true);
    expect(matchesFilter('version > 9', { attributes: { version: 'ten' } }, modelVersionSearch)).toBe(false);
  });

  it('compares a string attribute stored as a number by its text', () => {
    const experiment: Searchable = { attributes: { experiment_id: 7, name: 'e' } };
    expect(matchesFilter("experiment_id IN ('7', '8')", experiment, experimentSearch)).toBe(true);
  });

  it.each([
    ["dataset.name = 'eval'", true],
    ["dataset.name != 'eval'", true],
    ["dataset.name IN ('test')", false],
    ["dataset.digest LIKE 'abc%'", true],
    ["dataset.context = 'training'", true],
    ["dataset.context != 'training'", false],
  ])('matches when any dataset satisfies the clause: %s is %s', (filter, expected) => {
    expect(matchesFilter(filter)).toBe(expected);
  });

  it('never matches dataset clauses on a run without datasets', () => {
    const bare: Searchable = { attributes: { run_id: 'r' } };
    expect(matchesFilter("dataset.name != 'x'", bare)).toBe(false);
    expect(matchesFilter("dataset.name NOT IN ('x')", bare)).toBe(false);
  });

  it('requires every clause to hold', () => {
    expect(matchesFilter("metrics.acc > 0.9 AND params.optimizer = 'Adam'")).toBe(true);
    expect(matchesFilter("metrics.acc > 0.9 AND params.optimizer = 'SGD'")).toBe(false);
    expect(matches(run, [])).toBe(true);
  });

  it('does not find inherited object properties as keys', () => {
    expect(matchesFilter('metrics.constructor != 1')).toBe(false);
    expect(matchesFilter("tags.toString LIKE '%'")).toBe(false);
  });
});

describe('hints for stores', () => {
  const parse = (filter: string): FilterClause[] => parseFilter(filter, runSearch);

  it('reports the value an attribute is pinned to with =', () => {
    expect(attributeEquals(parse("status = 'RUNNING' AND metrics.a > 1"), 'status')).toBe('RUNNING');
    expect(attributeEquals(parse('start_time = 5'), 'start_time')).toBe(5);
    expect(attributeEquals(parse("status != 'RUNNING'"), 'status')).toBeUndefined();
    expect(attributeEquals(parse("tags.status = 'x'"), 'status')).toBeUndefined();
  });

  it('reports the run ids a filter is limited to, intersecting = and IN', () => {
    expect(runIdIn(parse("run_id IN ('a', 'b', 'a')"))).toEqual(['a', 'b']);
    expect(runIdIn(parse("run_id = 'b'"))).toEqual(['b']);
    expect(runIdIn(parse("run_id IN ('a', 'b') AND run_id IN ('b', 'c')"))).toEqual(['b']);
    expect(runIdIn(parse("run_id IN ('a') AND run_id = 'b'"))).toEqual([]);
    expect(runIdIn(parse("run_id NOT IN ('a') AND run_id LIKE 'a%'"))).toBeUndefined();
    expect(attributeIn(parse("status = 'FINISHED'"), 'status')).toEqual(['FINISHED']);
  });

  it('reports the tightest numeric range on an attribute', () => {
    expect(
      attributeRange(
        parse('start_time > 5 AND start_time >= 7 AND created < 20 AND start_time <= 20'),
        'start_time',
      ),
    ).toEqual({
      lower: { value: 7, inclusive: true },
      upper: { value: 20, inclusive: false },
    });
    expect(attributeRange(parse('start_time = 3'), 'start_time')).toEqual({
      lower: { value: 3, inclusive: true },
      upper: { value: 3, inclusive: true },
    });
    expect(attributeRange(parse('metrics.start_time > 3'), 'start_time')).toEqual({});
  });
});
