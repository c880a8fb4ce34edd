import { beforeAll, describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

/** Six runs in one experiment, one deleted, with metrics, params and tags to search on. */
let tenant: TestTenant;
let experimentId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  tenant = await newTenant('search');
  experimentId = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'iris' } })).body
    .experiment.id;
  const runs = [
    { name: 'rf-10', acc: 0.81, lr: '0.1', team: 'vision-core', status: 'FINISHED' },
    { name: 'rf-50', acc: 0.93, lr: '0.01', team: 'vision-edge', status: 'FINISHED' },
    { name: 'rf-100', acc: 0.95, lr: '0.01', team: 'nlp', status: 'FAILED' },
    { name: 'rf-200', acc: Number.NaN, lr: '0.001', team: 'vision-core', status: 'RUNNING' },
    { name: 'no-acc', acc: undefined, lr: '0.01', team: 'Vision-x', status: 'FINISHED' },
    { name: 'gone', acc: 0.99, lr: '0.01', team: 'vision-core', status: 'FINISHED' },
  ];
  let start = 1_700_000_000_000;
  for (const spec of runs) {
    const run = (
      await tenant.call('POST', '/api/v1/runs', {
        body: {
          experimentId,
          name: spec.name,
          startTime: start++,
          params: { lr: spec.lr },
          tags: { 'team name': spec.team },
        },
      })
    ).body.run;
    ids[spec.name] = run.id;
    if (spec.acc !== undefined) {
      const value = Number.isNaN(spec.acc) ? 'NaN' : spec.acc;
      await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
        body: {
          metrics: [
            { key: 'acc', value, step: 0 },
            { key: 'f1 score', value: 0.5 },
          ],
        },
      });
    }
    await tenant.call('PATCH', `/api/v1/runs/${run.id}`, { body: { status: spec.status } });
  }
  await tenant.call('DELETE', `/api/v1/runs/${ids.gone}`);
});

async function search(body: Record<string, unknown>) {
  const answer = await tenant.call('POST', '/api/v1/runs/search', {
    body: { experimentIds: [experimentId], ...body },
  });
  return { ...answer, names: answer.body.runs?.map((run: { name: string }) => run.name) as string[] };
}

describe('run search with MLflow filter grammar', () => {
  test('default order is newest first, deleted runs hidden', async () => {
    expect((await search({})).names).toEqual(['no-acc', 'rf-200', 'rf-100', 'rf-50', 'rf-10']);
  });

  test('metric comparisons; runs without the metric never match, NaN fails comparisons', async () => {
    expect((await search({ filter: 'metrics.acc > 0.9', orderBy: ['metrics.acc DESC'] })).names).toEqual([
      'rf-100',
      'rf-50',
    ]);
    expect((await search({ filter: 'metrics.acc != 0.5' })).names.sort()).toEqual([
      'rf-10',
      'rf-100',
      'rf-200',
      'rf-50',
    ]);
  });

  test('params, tags with backquoted keys, LIKE and ILIKE, attributes, joined with AND', async () => {
    const filter =
      "params.lr = '0.01' and tags.`team name` LIKE 'vision%' and attributes.status = 'FINISHED'";
    expect((await search({ filter })).names).toEqual(['rf-50']);
    expect((await search({ filter: "tags.`team name` ILIKE 'vision%'" })).names.sort()).toEqual([
      'no-acc',
      'rf-10',
      'rf-200',
      'rf-50',
    ]);
    expect((await search({ filter: 'metrics."f1 score" = 0.5 and run_name = \'rf-10\'' })).names).toEqual([
      'rf-10',
    ]);
  });

  test('run_id IN, and view types', async () => {
    expect(
      (await search({ filter: `attributes.run_id IN ('${ids['rf-10']}', '${ids.gone}')` })).names,
    ).toEqual(['rf-10']);
    expect((await search({ viewType: 'deleted' })).names).toEqual(['gone']);
    expect((await search({ viewType: 'all' })).names).toHaveLength(6);
  });

  test('order by a param then a metric, missing values last', async () => {
    const { names } = await search({ orderBy: ['params.lr ASC', 'metrics.acc DESC'] });
    expect(names).toEqual(['rf-200', 'rf-100', 'rf-50', 'no-acc', 'rf-10']);
  });

  test('paging with opaque tokens covers every run exactly once', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await search({ maxResults: 2, pageToken, orderBy: ['attributes.run_name ASC'] });
      expect(page.status).toBe(200);
      seen.push(...page.names);
      pageToken = page.body.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(['no-acc', 'rf-10', 'rf-100', 'rf-200', 'rf-50']);
  });

  test('a page token from another search is refused', async () => {
    const first = await search({ maxResults: 1 });
    const other = await search({
      maxResults: 1,
      filter: 'metrics.acc > 0',
      pageToken: first.body.nextPageToken,
    });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('search.invalid_page_token');
  });

  test('a malformed filter is a 400 that says where it broke', async () => {
    const { status, body } = await search({ filter: 'metrics.acc > 0.9 and params.lr' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('search.invalid_filter');
    expect(body.error.details.position).toBeGreaterThan(15);
    expect(body.error.message).toMatch(/character \d+/);
  });

  test('OR is refused clearly, and so is an unknown order_by', async () => {
    expect((await search({ filter: "params.lr = '1' OR params.lr = '2'" })).body.error.code).toBe(
      'search.invalid_filter',
    );
    expect((await search({ orderBy: ['colour DESC'] })).body.error.code).toBe('search.invalid_order_by');
  });
});

describe('search sees every write at once', () => {
  test('a run changed, created or deleted after a search shows up changed in the next one', async () => {
    const own = await newTenant('fresh');
    const exp = (await own.call('POST', '/api/v1/experiments', { body: { name: 'fresh' } })).body.experiment.id;
    const find = async (filter: string) =>
      (await own.call('POST', '/api/v1/runs/search', { body: { experimentIds: [exp], filter } })).body.runs.map(
        (run: { name: string }) => run.name,
      );
    const first = (await own.call('POST', '/api/v1/runs', { body: { experimentId: exp, name: 'first' } })).body.run;
    expect(await find('metrics.acc > 0.5')).toEqual([]);

    await own.call('POST', `/api/v1/runs/${first.id}/log`, { body: { metrics: [{ key: 'acc', value: 0.9 }] } });
    await own.call('POST', '/api/v1/runs', { body: { experimentId: exp, name: 'second', tags: { t: 'x' } } });

    expect(await find('metrics.acc > 0.5')).toEqual(['first']);
    expect(await find("tags.t = 'x'")).toEqual(['second']);
    await own.call('DELETE', `/api/v1/runs/${first.id}`);
    expect(await find('metrics.acc > 0.5')).toEqual([]);
  });
});
