/**
 * The first-deploy smoke test, as data: what each step checks on a real AWS account, and why it
 * cannot be checked offline. `npm run smoke -- --plan` prints it; `infra/smoke/run.ts` executes it.
 */
export interface SmokeStep {
  id: string;
  /** What the step proves when it passes, in one sentence. */
  checks: string;
  /** Why only AWS can prove it: what the offline suite stands in with. */
  onlyOnAws: string;
}

export const smokeSteps: readonly SmokeStep[] = [
  {
    id: 'outputs',
    checks:
      'The stack exists and exports ApiUrl, DashboardUrl, OperatorKeySecretArn, TableName and ArtifactBucket.',
    onlyOnAws:
      'CloudFormation creates the stack; offline, synth and cfn-lint only show that the template is valid.',
  },
  {
    id: 'health',
    checks:
      'GET /api/v1/health answers 200 {"status":"ok"}: API Gateway reaches the bundled function on Lambda.',
    onlyOnAws: 'Offline the gateway runs the same handlers on the local Node, not the Lambda runtime.',
  },
  {
    id: 'refusal',
    checks:
      "A request without a key gets Cairn's JSON 401 (auth.missing_key): the authorizer runs for every request.",
    onlyOnAws: "API Gateway's own handling of authorizers with no identity source.",
  },
  {
    id: 'dashboard',
    checks:
      "CloudFront serves the dashboard with script-src 'self', its pages carry this API in their connect policy, and /config.json names the API.",
    onlyOnAws: 'CloudFront, its response headers policy and the deploy-time page rewrite.',
  },
  {
    id: 'tenants',
    checks:
      'The operator key read from Secrets Manager creates two tenants, each with its first admin key, which then authenticates.',
    onlyOnAws:
      'The secret generated at deploy, and key management by its own IAM grant (TENANT#, KEYS#, KEYHASH#).',
  },
  {
    id: 'run',
    checks:
      'A run is created, a metric batch logged and read back, and run search finds it: tenant data through STS session credentials (LeadingKeys on the table and its index).',
    onlyOnAws:
      'STS AssumeRole with the session tag, and DynamoDB evaluating dynamodb:LeadingKeys (simulated offline).',
  },
  {
    id: 'upload',
    checks:
      'A blob goes up with its presigned PUT, is confirmed, logged as a run artifact, and comes back byte for byte through a presigned GET.',
    onlyOnAws:
      'Real S3 verifying the signature that the tenant session signed (the emulator checks no signature).',
  },
  {
    id: 'checksum',
    checks:
      'A PUT of other bytes (same length) to a presigned URL is refused by S3, and the blob stays missing: the signed SHA-256 is enforced.',
    onlyOnAws: 'The S3 emulator does not verify x-amz-checksum-sha256; only real S3 does.',
  },
  {
    id: 'isolation',
    checks:
      "Tenant B's admin key gets 404 for tenant A's run, its artifacts and its experiment, and does not list them.",
    onlyOnAws: 'The deployed authorizer and functions (offline: the isolation suite walks every route).',
  },
  {
    id: 'revocation',
    checks: 'A new key works, is revoked, and is refused (401) on the very next request.',
    onlyOnAws: "DynamoDB's consistency and the authorizer without a result cache, on AWS.",
  },
  {
    id: 'teardown',
    checks:
      "Everything the smoke test created is removed: the two tenants' items (data, key lists, key lookups) and every object version under their prefixes.",
    onlyOnAws: 'It runs with your AWS credentials against the deployed table and bucket.',
  },
];

/** What the smoke test does not check: say so rather than imply it. */
export const notChecked: readonly string[] = [
  'multipart uploads and their part checksums (covered offline against the emulator)',
  'registry events on EventBridge and webhook delivery through SQS',
  'the 6 MB response and 10 MB request limits, and the 30 s timeout',
  'browser CORS against the bucket and the API (use the dashboard once)',
  'custom domains and alarms e-mail',
];

/** Smoke tenants: named so that no real tenant can be one, and so that teardown finds only them. */
export function smokeTenantIds(suffix: string): { a: string; b: string } {
  if (!/^[a-z0-9]{6,20}$/.test(suffix))
    throw new Error(`Smoke suffix must be 6–20 lowercase letters or digits`);
  return { a: `smoke-${suffix}-a`, b: `smoke-${suffix}-b` };
}

/**
 * The table items teardown deletes: every partition of the smoke tenants (`<t>#…`), their tenant
 * items and key lists, and the key-hash lookups that point at them. A scan: the smoke test runs
 * on a fresh stack, where a scan costs next to nothing; on a large table, pass `--keep` and
 * delete the two tenants' items another way.
 */
export function teardownFilter(tenants: readonly string[]): {
  FilterExpression: string;
  ExpressionAttributeValues: Record<string, string>;
} {
  const values: Record<string, string> = { ':hash': 'KEYHASH#' };
  const parts: string[] = [];
  const owners: string[] = [];
  tenants.forEach((tenant, i) => {
    values[`:p${i}`] = `${tenant}#`;
    values[`:t${i}`] = `TENANT#${tenant}`;
    values[`:k${i}`] = `KEYS#${tenant}`;
    values[`:o${i}`] = tenant;
    parts.push(`begins_with(pk, :p${i})`, `pk = :t${i}`, `pk = :k${i}`);
    owners.push(`:o${i}`);
  });
  parts.push(`(begins_with(pk, :hash) AND tenantId IN (${owners.join(', ')}))`);
  return { FilterExpression: parts.join(' OR '), ExpressionAttributeValues: values };
}

/** The plan as a person reads it before running it. */
export function describePlan(): string {
  const lines = ['The first-deploy smoke test, step by step:', ''];
  smokeSteps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.id}: ${step.checks}`, `   only AWS can show it: ${step.onlyOnAws}`);
  });
  lines.push('', 'Not checked here:', ...notChecked.map((item) => `- ${item}`));
  return lines.join('\n');
}
