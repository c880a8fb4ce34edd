import { describe, expectTypeOf, test } from 'vitest';
import type { ErrorCode as ApiErrorCode } from '../../functions/http/errors.ts';
import {
  type ApiClient,
  type ApiKey,
  type AuditEvent,
  type Cairn,
  CairnError,
  type ClientErrorCode,
  type CreatedApiKey,
  type DatasetVersion,
  type DownloadResult,
  type Experiment,
  type MetricHistory,
  type ModelVersion,
  type PushResult,
  type ResolvedModel,
  type Run,
  type RunInput,
  type RunPage,
  type RunRecord,
  type ServerErrorCode,
  type Tenant,
  type UploadResult,
} from './index.ts';

declare const cairn: Cairn;
declare const run: Run;
declare const error: unknown;

describe('public types', () => {
  test('CairnError.is narrows by prefix and by exact code', () => {
    if (CairnError.is(error, 'runs.')) expectTypeOf(error.code).toEqualTypeOf<`runs.${string}`>();
    if (CairnError.is(error, 'keys.not_found')) expectTypeOf(error.code).toEqualTypeOf<'keys.not_found'>();
    if (CairnError.is(error)) {
      expectTypeOf(error.status).toEqualTypeOf<number>();
      expectTypeOf(error.requestId).toEqualTypeOf<string | undefined>();
      expectTypeOf(error.details).toEqualTypeOf<Record<string, unknown> | undefined>();
    }
  });

  test('run.log is synchronous: a boolean, never a promise', () => {
    expectTypeOf(run.log).returns.toEqualTypeOf<boolean>();
    expectTypeOf(run.log).parameter(0).toEqualTypeOf<Readonly<Record<string, number>>>();
    expectTypeOf(run.logParams).returns.toEqualTypeOf<void>();
    expectTypeOf(run.setTags).returns.toEqualTypeOf<void>();
    expectTypeOf(run.flush).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(run.end).returns.toEqualTypeOf<Promise<RunRecord>>();
    // @ts-expect-error metric values are numbers
    run.log({ loss: '0.1' });
  });

  test('the README calls have the types a reader expects', () => {
    expectTypeOf(cairn.startRun).returns.toEqualTypeOf<Promise<Run>>();
    expectTypeOf(cairn.searchRuns).returns.toEqualTypeOf<Promise<RunPage>>();
    expectTypeOf(cairn.getMetricHistory).returns.toEqualTypeOf<Promise<MetricHistory>>();
    expectTypeOf<MetricHistory['points'][number]['value']>().toEqualTypeOf<number>();
    expectTypeOf<RunRecord['metrics'][string]['value']>().toEqualTypeOf<number>();
    expectTypeOf<RunRecord['status']>().toEqualTypeOf<
      'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED'
    >();
    // @ts-expect-error statuses are MLflow's
    void run.end('DONE');
  });

  test('tenants, keys and experiments', () => {
    expectTypeOf(cairn.tenant).returns.resolves.toHaveProperty('tenant').toEqualTypeOf<Tenant>();
    expectTypeOf(cairn.keys.list).returns.toEqualTypeOf<Promise<ApiKey[]>>();
    expectTypeOf(cairn.keys.create).returns.toEqualTypeOf<Promise<CreatedApiKey>>();
    expectTypeOf(cairn.admin.createTenant).returns.resolves.toEqualTypeOf<{
      tenant: Tenant;
      apiKey: CreatedApiKey;
    }>();
    expectTypeOf(cairn.experiments.getByName).returns.toEqualTypeOf<Promise<Experiment>>();
    // @ts-expect-error roles are reader, writer and admin
    void cairn.keys.create({ name: 'x', role: 'owner' });
  });

  test('the SDK knows every code the /api/v1 routes answer with, and no other (MLflow routes have their own)', () => {
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<Exclude<ApiErrorCode, `mlflow.${string}`>>();
    expectTypeOf<
      'client.transfer_failed' | 'client.checksum_mismatch' | 'client.not_supported'
    >().toExtend<ClientErrorCode>();
  });

  test('data, artifacts and the registry', () => {
    expectTypeOf(run.logArtifacts).returns.toEqualTypeOf<Promise<UploadResult>>();
    expectTypeOf(run.useDataset).returns.toEqualTypeOf<Promise<RunInput>>();
    expectTypeOf(cairn.datasets.push).returns.toEqualTypeOf<Promise<PushResult>>();
    expectTypeOf(cairn.datasets.pull).returns.resolves.toExtend<
      DownloadResult & { version: DatasetVersion }
    >();
    expectTypeOf(cairn.downloadArtifacts).returns.toEqualTypeOf<Promise<DownloadResult>>();
    expectTypeOf(cairn.models.register).returns.toEqualTypeOf<Promise<ModelVersion>>();
    expectTypeOf(cairn.models.resolve).returns.toEqualTypeOf<Promise<ResolvedModel>>();
    expectTypeOf(cairn.audit).returns.toEqualTypeOf<Promise<AuditEvent[]>>();
    expectTypeOf(cairn.api).toEqualTypeOf<ApiClient>();
    // @ts-expect-error promote takes the alias in its options
    void cairn.models.promote('fraud', 3, 'production');
  });
});
