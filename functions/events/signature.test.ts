import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { newWebhookSecret, signDelivery, verifyDelivery } from './signature.ts';

describe('webhook signatures (offline)', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: 'evt_1', type: 'model.alias.moved' });
  const now = 1_800_000_000_000;
  const timestamp = now / 1000;

  test('are HMAC-SHA256 over "<timestamp>.<body>", so any receiver can check them with its own HMAC', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signDelivery(secret, timestamp, body)).toBe(`sha256=${expected}`);
  });

  test('verify a genuine, recent delivery only', () => {
    const signature = signDelivery(secret, timestamp, body);
    const ok = (headers: { timestamp: string; signature: string }, text = body, at = now) =>
      verifyDelivery(secret, headers, text, { now: at });
    expect(ok({ timestamp: String(timestamp), signature })).toBe(true);
    expect(ok({ timestamp: String(timestamp), signature }, `${body} `)).toBe(false);
    expect(ok({ timestamp: String(timestamp + 1), signature })).toBe(false);
    expect(
      verifyDelivery(newWebhookSecret(), { timestamp: String(timestamp), signature }, body, { now }),
    ).toBe(false);
    // A captured delivery replayed ten minutes later is refused.
    expect(ok({ timestamp: String(timestamp), signature }, body, now + 600_000)).toBe(false);
  });
});
