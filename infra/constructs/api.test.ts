import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { type Route, routeKey } from '#functions/routes.ts';
import { Api } from './api.ts';

const stub = 'export const handler = async () => ({ statusCode: 200 });';

// Route shapes the table does not hold yet but will (the MLflow artifact proxy): the stack must
// turn them into API Gateway routes with no change to this construct.
const futureRoutes: Route[] = [
  { method: 'ANY', path: '$default', domain: 'system', op: 'notFound', role: 'public' },
  {
    method: 'ANY',
    path: '/api/2.0/mlflow-artifacts/artifacts/{path+}',
    domain: 'mlflow' as Route['domain'],
    op: 'artifacts',
    role: 'writer',
  },
  {
    method: 'GET',
    path: '/api/2.0/mlflow/runs/get',
    domain: 'mlflow' as Route['domain'],
    op: 'getRun',
    role: 'reader',
  },
];

describe('the API construct', () => {
  it('builds greedy paths, ANY methods and the $default route from rows', () => {
    const stack = new Stack(new App(), 'ApiOnly', { env: { account: '111111111111', region: 'eu-west-1' } });
    const fn = (id: string) =>
      new LambdaFunction(stack, id, {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline(stub),
      });
    new Api(stack, 'Api', {
      routes: futureRoutes,
      functions: { system: fn('System'), mlflow: fn('Mlflow') },
      authorizer: fn('Authorizer'),
      corsOrigins: ['https://dashboard.example.com'],
      throttle: { rateLimit: 10, burstLimit: 20 },
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
      domain: undefined,
    });
    const routes = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties,
    );
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(futureRoutes.map(routeKey).sort());
    const greedy = routes.find((route) => route.RouteKey.endsWith('{path+}'));
    expect(greedy).toMatchObject({
      RouteKey: 'ANY /api/2.0/mlflow-artifacts/artifacts/{path+}',
      AuthorizationType: 'CUSTOM',
    });
    expect(routes.find((route) => route.RouteKey === '$default')).toMatchObject({
      AuthorizationType: 'NONE',
    });
  });

  it('refuses a row whose domain has no function', () => {
    const stack = new Stack(new App(), 'Missing');
    expect(
      () =>
        new Api(stack, 'Api', {
          routes: futureRoutes,
          functions: {},
          authorizer: new LambdaFunction(stack, 'Authorizer', {
            runtime: Runtime.NODEJS_24_X,
            handler: 'index.handler',
            code: Code.fromInline(stub),
          }),
          corsOrigins: [],
          throttle: { rateLimit: 10, burstLimit: 20 },
          logRetention: RetentionDays.ONE_WEEK,
          removalPolicy: RemovalPolicy.DESTROY,
          domain: undefined,
        }),
    ).toThrow(/names domain system, which has no function/);
  });
});
