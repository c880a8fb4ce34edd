import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type Route, routeKey } from '#functions/routes.ts';
import type { CustomDomain } from '../settings.ts';

export interface ApiProps {
  routes: readonly Route[];
  /** One function per domain; every row of `routes` names one of them. */
  functions: Record<string, IFunction>;
  authorizer: IFunction;
  corsOrigins: string[];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  domain: CustomDomain | undefined;
}

/** One line of JSON per request. Never the Authorization header: it carries the key. */
const accessLogFields = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  tenantId: '$context.authorizer.tenantId',
  keyId: '$context.authorizer.keyId',
};

/** The construct id of a route: its route key, with `/` (the construct path separator) made safe. */
export const routeConstructId = (route: Pick<Route, 'method' | 'path'>) =>
  `Route ${routeKey(route).replaceAll('/', '|')}`;

/**
 * The HTTP API, generated from the route table: one route per row, each integrated with its
 * domain's function. Non-public rows get the Lambda authorizer; public rows get none.
 *
 * The authorizer has no identity source and no result cache. API Gateway answers a request that
 * lacks an identity source with its own bare 401 without calling the authorizer; with none
 * configured, every request reaches ours and a missing key gets Cairn's JSON 401 like every other
 * auth error. Without an identity source there is nothing to key a cache on, hence TTL 0: one
 * eventually consistent GetItem per request, and a revoked key stops working at once.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly authorizer: HttpLambdaAuthorizer;
  /** The base URL clients use: the custom domain when there is one. */
  readonly url: string;
  readonly domainName: DomainName | undefined;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', props.authorizer, {
      authorizerName: 'cairn-api-key',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Cairn API',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      corsPreflight: {
        allowOrigins: props.corsOrigins,
        allowMethods: [CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['x-request-id', 'retry-after'],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    if (props.domain) {
      this.domainName = new DomainName(this, 'DomainName', {
        domainName: props.domain.name,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    }
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
      domainMapping: this.domainName ? { domainName: this.domainName } : undefined,
    });
    this.url = props.domain ? `https://${props.domain.name}` : this.httpApi.apiEndpoint;

    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationOf = (domain: string) => {
      let integration = integrations.get(domain);
      if (!integration) {
        const fn = props.functions[domain];
        if (!fn) throw new Error(`The route table names domain ${domain}, which has no function`);
        // One permission per function for the whole API, not one per route: a domain with many
        // routes would otherwise outgrow Lambda's 20 KB resource-policy limit.
        integration = new HttpLambdaIntegration(`${domain}Integration`, fn, {
          scopePermissionToRoute: false,
        });
        integrations.set(domain, integration);
      }
      return integration;
    };

    const none = new HttpNoneAuthorizer();
    for (const route of props.routes) {
      const httpRoute = new HttpRoute(this, routeConstructId(route), {
        httpApi: this.httpApi,
        routeKey:
          route.path === '$default'
            ? HttpRouteKey.DEFAULT
            : HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationOf(route.domain),
        authorizer: route.role === 'public' ? none : this.authorizer,
      });
      if (route.role === 'public') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is public by design in the route table (health, API document, unknown paths); it reads no tenant data.`,
        });
      }
    }
  }
}
