import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Annotations, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  Distribution,
  Function as EdgeFunction,
  type ErrorResponse,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { connectMeta, dashboardCsp, pagesWithInlineScripts, withMeta } from '../dashboard-csp.ts';
import type { CustomDomain } from '../settings.ts';

export interface DashboardProps {
  accessLogs: IBucket;
  domain: CustomDomain | undefined;
  /** The API's custom domain, when it has one, for the content security policy. */
  apiDomainName: string | undefined;
  ephemeral: boolean;
}

/**
 * What the header lets the dashboard connect to: the API's custom domain exactly when there is one.
 * Without one, the header can only name the region's API endpoints (naming this API would make the
 * API, whose CORS origin is the distribution, and the distribution depend on each other), and each
 * page's own policy, written at deploy (`publish`), narrows it to this stack's API.
 */
function headerConnectSources(region: string, apiDomainName: string | undefined): string[] {
  return apiDomainName ? [`https://${apiDomainName}`] : [`https://*.execute-api.${region}.amazonaws.com`];
}

// Next's static export with `trailingSlash` writes `/runs/index.html` for `/runs/`; S3 behind
// CloudFront serves exact keys only, so directory-style paths are mapped to their index.html here.
const indexRewrite = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) request.uri = uri + 'index.html';
  else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) request.uri = uri + '/index.html';
  return request;
}`;

/**
 * The dashboard: its static export in a private bucket, served by CloudFront through origin access
 * control, with security headers. `publish` uploads the export with a `/config.json` naming the API.
 */
export class Dashboard extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://…`, the origin the API and the artifact bucket allow for CORS. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'dashboard/',
      // Only a build output lives here: deleting the stack may delete it.
      removalPolicy: props.ephemeral ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: props.ephemeral,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Cairn dashboard security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        contentSecurityPolicy: {
          override: true,
          // Scripts from the dashboard's own origin only: the export has no inline script.
          contentSecurityPolicy: dashboardCsp(headerConnectSources(region, props.apiDomainName)),
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()', override: true },
        ],
      },
    });

    const notFound: ErrorResponse[] = [403, 404].map((status) => ({
      // Without ListBucket, S3 answers 403 for a missing key: both mean "no such page".
      httpStatus: status,
      responseHttpStatus: 404,
      responsePagePath: '/404.html',
      ttl: Duration.minutes(1),
    }));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Cairn dashboard',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      domainNames: props.domain ? [props.domain.name] : undefined,
      certificate: props.domain
        ? Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn)
        : undefined,
      minimumProtocolVersion: props.domain ? SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      errorResponses: notFound,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new EdgeFunction(this, 'IndexRewrite', {
              code: FunctionCode.fromInline(indexRewrite),
              runtime: FunctionRuntime.JS_2_0,
              comment: 'Maps directory paths to index.html',
            }),
          },
        ],
      },
    });
    this.url = props.domain
      ? `https://${props.domain.name}`
      : `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Cairn teams work from anywhere; the dashboard is a static site and every data request is authenticated at the API.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'The distribution serves public static files only; a web ACL ($5+/month) would be most of an idle bill. Data requests go to the API, throttled per stage.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'Standard logging needs an ACL-enabled bucket; the static files are public and every data request is logged at the API.',
    });
    if (!props.domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot be pinned to TLS 1.2; with cairn:webDomainName the distribution requires TLSv1.2_2021.',
      });
    }
  }

  /**
   * Uploads the static export and `/config.json` (`{ apiUrl }`, written at deploy from the API's
   * URL), then invalidates the distribution. Each page gets a `<meta>` policy that lets it connect
   * to this API only, its URL written at deploy. Without an export there is nothing to upload:
   * synth warns, and the distribution answers 404 until the next deploy after `npm run build:web`.
   * An export with inline scripts (built without the dashboard's own build step) would not run
   * under the policy, so synth refuses it.
   */
  publish(webAssets: string | undefined, apiUrl: string): BucketDeployment | undefined {
    if (!webAssets) {
      Annotations.of(this).addWarningV2(
        'cairn:dashboard-not-built',
        'The dashboard export (web/out) does not exist, so it is not deployed; run `npm run build:web` before `cdk deploy`.',
      );
      return undefined;
    }
    const inline = pagesWithInlineScripts(webAssets);
    if (inline.length > 0) {
      throw new Error(
        `The dashboard export has inline scripts (${inline.slice(0, 3).join(', ')}…), which its content security policy refuses: build it with \`npm run build:web\`, which moves them into files`,
      );
    }
    const meta = connectMeta([apiUrl]);
    const pages = readdirSync(webAssets, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
      .map((entry) => relative(webAssets, join(entry.parentPath, entry.name)));
    const deployment = new BucketDeployment(this, 'Publish', {
      sources: [
        Source.asset(webAssets, { exclude: pages }),
        ...pages.map((page) =>
          Source.data(page.split(sep).join('/'), withMeta(readFileSync(join(webAssets, page), 'utf8'), meta)),
        ),
        Source.jsonData('config.json', { apiUrl }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 512,
    });
    acknowledgePublisher(deployment, this.bucket);
    return deployment;
  }
}

/** The wildcards CDK's BucketDeployment handler is known to ask for; anything new fails synth for review. */
const reviewedPublisherWildcards = (siteArn: string) => [
  /^Action::s3:(GetBucket|GetObject|List|Abort|DeleteObject)\*$/,
  new RegExp(`^Resource::<${siteArn}>/\\*$`), // the dashboard bucket's objects
  /^Resource::arn:[^:]+:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/, // the CDK assets bucket: the export's zip
  /^Resource::\*$/, // CloudFront invalidations cannot be scoped to a distribution
];

/** cdk-nag's spelling of a CloudFormation value: `<Logical.Arn>`, `<AWS::Partition>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (node['Fn::Sub']) return flatten(node['Fn::Sub']);
  if (node['Fn::GetAtt']) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if (node.Ref) return `<${node.Ref}>`;
  return JSON.stringify(value);
}

/**
 * BucketDeployment runs a CDK-provided function (Python, AWS managed execution policy, wildcard S3
 * and CloudFront grants) at deploy time only. Its findings are acknowledged one by one, each named in
 * full; a wildcard not reviewed here stops synth instead of being acknowledged blindly.
 */
function acknowledgePublisher(deployment: BucketDeployment, site: Bucket): void {
  const role = deployment.handlerRole;
  const stack = Stack.of(deployment);
  const reviewed = reviewedPublisherWildcards(
    `${stack.getLogicalId(site.node.defaultChild as CfnElement)}.Arn`,
  );
  const policy = role.node.tryFindChild('DefaultPolicy') as Policy | undefined;
  const statements = (stack.resolve(policy?.document.toJSON())?.Statement ?? []) as Array<
    Record<string, unknown>
  >;
  const findings = new Set<string>();
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action].flat() as string[])
      if (action.includes('*')) findings.add(`Action::${action}`);
    for (const resource of [statement.Resource].flat().map(flatten))
      if (resource.includes('*')) findings.add(`Resource::${resource}`);
  }
  for (const finding of findings) {
    if (!reviewed.some((pattern) => pattern.test(finding))) {
      throw new Error(
        `BucketDeployment now asks for ${finding}; review it and add it to reviewedPublisherWildcards`,
      );
    }
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason:
        'CDK BucketDeployment handler, run at deploy only: reads the export zip from the CDK assets bucket, syncs the dashboard bucket, invalidates CloudFront.',
    });
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'CDK BucketDeployment handler: the managed policy lets it write its own logs; the function runs at deploy only.',
  });
  const handler = role.node.scope;
  if (handler) {
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "CDK BucketDeployment's handler ships with its own Python runtime, pinned by aws-cdk-lib; it runs at deploy only.",
    });
  }
}
