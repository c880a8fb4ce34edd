import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * What a deployment may choose, read once from CDK context (`-c cairn:…=…` or `cdk.json`). The
 * stack takes these as props, so tests build stacks without going through context at all.
 */
export interface Settings {
  /** Throw-away stack: the table and buckets are destroyed with it instead of retained. */
  ephemeral: boolean;
  /** Subscribed to the alarm topic; AWS mails a confirmation link first. */
  alarmEmail: string | undefined;
  /** For every log group and the access-log buckets. */
  logRetentionDays: RetentionDays;
  /** A custom domain for the API (a regional ACM certificate in the stack's region). */
  apiDomain: CustomDomain | undefined;
  /** A custom domain for the dashboard (an ACM certificate in us-east-1, as CloudFront requires). */
  webDomain: CustomDomain | undefined;
  /** Origins besides the dashboard's that browsers may call the API and the bucket from. */
  corsOrigins: string[];
  /** Domains that must not starve the others (or be starved) get a fixed share of the account's concurrency. */
  reservedConcurrency: Record<string, number>;
  /** The API stage's default throttle, requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** The dashboard's static export; when absent the dashboard is not published. */
  webAssets: string | undefined;
}

export interface CustomDomain {
  name: string;
  certificateArn: string;
}

export const defaultSettings: Settings = {
  ephemeral: false,
  alarmEmail: undefined,
  logRetentionDays: RetentionDays.ONE_MONTH,
  apiDomain: undefined,
  webDomain: undefined,
  corsOrigins: [],
  reservedConcurrency: {},
  throttle: { rateLimit: 200, burstLimit: 400 },
  webAssets: undefined,
};

/** Every context key the app reads, with what it expects; `docs/aws.md` lists the same. */
export const contextKeys = {
  ephemeral: 'cairn:ephemeral',
  alarmEmail: 'cairn:alarmEmail',
  logRetentionDays: 'cairn:logRetentionDays',
  apiDomainName: 'cairn:apiDomainName',
  apiCertificateArn: 'cairn:apiCertificateArn',
  webDomainName: 'cairn:webDomainName',
  webCertificateArn: 'cairn:webCertificateArn',
  corsOrigins: 'cairn:corsOrigins',
  reservedConcurrency: 'cairn:reservedConcurrency',
  throttleRate: 'cairn:throttleRate',
  throttleBurst: 'cairn:throttleBurst',
} as const;

type Lookup = (key: string) => unknown;

const retentionValues = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

// Context arrives as strings from `-c` and as JSON values from cdk.json; accept both.
function flag(lookup: Lookup, key: string): boolean {
  const value = lookup(key);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`${key} must be true or false, not ${JSON.stringify(value)}`);
}

function text(lookup: Lookup, key: string): string | undefined {
  const value = lookup(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`${key} must be a string, not ${JSON.stringify(value)}`);
  return value.trim();
}

function positiveInteger(lookup: Lookup, key: string): number | undefined {
  const value = lookup(key);
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new Error(`${key} must be a positive integer, not ${JSON.stringify(value)}`);
  return number;
}

function domain(lookup: Lookup, nameKey: string, certificateKey: string): CustomDomain | undefined {
  const name = text(lookup, nameKey);
  const certificateArn = text(lookup, certificateKey);
  if (!name && !certificateArn) return undefined;
  if (!name || !certificateArn)
    throw new Error(`${nameKey} and ${certificateKey} go together: set both or neither`);
  if (!/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new Error(
      `${certificateKey} must be an ACM certificate ARN, not ${JSON.stringify(certificateArn)}`,
    );
  }
  return { name, certificateArn };
}

function cloudFrontDomain(lookup: Lookup): CustomDomain | undefined {
  const found = domain(lookup, contextKeys.webDomainName, contextKeys.webCertificateArn);
  if (found && !found.certificateArn.includes(':acm:us-east-1:')) {
    throw new Error(
      `${contextKeys.webCertificateArn} must be in us-east-1: CloudFront only uses certificates from there`,
    );
  }
  return found;
}

function origins(lookup: Lookup, key: string): string[] {
  const value = lookup(key);
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((origin) => {
    const trimmed = String(origin).trim().replace(/\/$/, '');
    if (!/^https?:\/\/[^/\s]+$/.test(trimmed))
      throw new Error(`${key}: ${JSON.stringify(origin)} is not an origin like https://host[:port]`);
    return trimmed;
  });
}

function concurrency(lookup: Lookup, key: string): Record<string, number> {
  const value = lookup(key);
  if (value === undefined || value === '') return {};
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${key} must be a JSON object of domain → reserved concurrency, e.g. {"metrics":50}`);
  }
  for (const [name, reserved] of Object.entries(parsed)) {
    if (!Number.isInteger(reserved) || (reserved as number) < 1)
      throw new Error(`${key}.${name} must be a positive integer`);
  }
  return parsed as Record<string, number>;
}

/**
 * Reads and checks the `cairn:*` context. A bad value fails synth with a message naming the key,
 * rather than deploying something else than was asked for.
 */
export function settingsFromContext(lookup: Lookup, webAssets: string | undefined): Settings {
  const retention = positiveInteger(lookup, contextKeys.logRetentionDays) ?? defaultSettings.logRetentionDays;
  if (!retentionValues.includes(retention)) {
    throw new Error(
      `${contextKeys.logRetentionDays} must be one of CloudWatch's retention periods: ${retentionValues.join(', ')}`,
    );
  }
  const alarmEmail = text(lookup, contextKeys.alarmEmail);
  if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`${contextKeys.alarmEmail} must be an email address, not ${JSON.stringify(alarmEmail)}`);
  }
  return {
    ephemeral: flag(lookup, contextKeys.ephemeral),
    alarmEmail,
    logRetentionDays: retention as RetentionDays,
    apiDomain: domain(lookup, contextKeys.apiDomainName, contextKeys.apiCertificateArn),
    webDomain: cloudFrontDomain(lookup),
    corsOrigins: origins(lookup, contextKeys.corsOrigins),
    reservedConcurrency: concurrency(lookup, contextKeys.reservedConcurrency),
    throttle: {
      rateLimit: positiveInteger(lookup, contextKeys.throttleRate) ?? defaultSettings.throttle.rateLimit,
      burstLimit: positiveInteger(lookup, contextKeys.throttleBurst) ?? defaultSettings.throttle.burstLimit,
    },
    webAssets,
  };
}
