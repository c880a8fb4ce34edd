import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { contextKeys, defaultSettings, settingsFromContext } from './settings.ts';

const from = (context: Record<string, unknown>, webAssets?: string) =>
  settingsFromContext((key) => context[key], webAssets);

describe('settings from CDK context', () => {
  it('default to a retained, alarm-less stack with a month of logs', () => {
    expect(from({})).toEqual(defaultSettings);
  });

  it('read strings from `-c` and JSON values from cdk.json alike', () => {
    const settings = from({
      [contextKeys.ephemeral]: 'true',
      [contextKeys.alarmEmail]: 'ops@example.com',
      [contextKeys.logRetentionDays]: '90',
      [contextKeys.corsOrigins]: 'http://localhost:3000, https://ml.example.com/',
      [contextKeys.reservedConcurrency]: '{"runs":50,"authorizer":20}',
      [contextKeys.throttleRate]: 1000,
      [contextKeys.throttleBurst]: '2000',
      [contextKeys.apiDomainName]: 'api.ml.example.com',
      [contextKeys.apiCertificateArn]: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc-123',
      [contextKeys.webDomainName]: 'ml.example.com',
      [contextKeys.webCertificateArn]: 'arn:aws:acm:us-east-1:111111111111:certificate/def-456',
    });
    expect(settings).toMatchObject({
      ephemeral: true,
      alarmEmail: 'ops@example.com',
      logRetentionDays: RetentionDays.THREE_MONTHS,
      corsOrigins: ['http://localhost:3000', 'https://ml.example.com'],
      reservedConcurrency: { runs: 50, authorizer: 20 },
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      apiDomain: { name: 'api.ml.example.com' },
      webDomain: { name: 'ml.example.com' },
    });
    expect(from({ [contextKeys.ephemeral]: true }).ephemeral).toBe(true);
    expect(from({ [contextKeys.reservedConcurrency]: { runs: 5 } }).reservedConcurrency).toEqual({ runs: 5 });
  });

  it('fail synth with the key named when a value is wrong', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ [contextKeys.ephemeral]: 'yes' }, /cairn:ephemeral must be true or false/],
      [{ [contextKeys.logRetentionDays]: '42' }, /cairn:logRetentionDays must be one of/],
      [{ [contextKeys.alarmEmail]: 'ops' }, /cairn:alarmEmail must be an email/],
      [{ [contextKeys.corsOrigins]: 'example.com' }, /cairn:corsOrigins: "example.com" is not an origin/],
      [
        { [contextKeys.reservedConcurrency]: '{"runs":0}' },
        /cairn:reservedConcurrency.runs must be a positive integer/,
      ],
      [{ [contextKeys.throttleRate]: '-1' }, /cairn:throttleRate must be a positive integer/],
      [{ [contextKeys.apiDomainName]: 'api.example.com' }, /set both or neither/],
      [
        { [contextKeys.apiDomainName]: 'api.example.com', [contextKeys.apiCertificateArn]: 'not-an-arn' },
        /must be an ACM certificate ARN/,
      ],
      [
        {
          [contextKeys.webDomainName]: 'ml.example.com',
          [contextKeys.webCertificateArn]: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
        },
        /must be in us-east-1/,
      ],
    ];
    for (const [context, message] of cases) expect(() => from(context)).toThrow(message);
  });

  it('pass the dashboard export through when it was built', () => {
    expect(from({}, '/somewhere/web/out').webAssets).toBe('/somewhere/web/out');
  });
});
