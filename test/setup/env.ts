import { inject } from 'vitest';

// Test files talk to the emulators directly too (store tests); they get the same endpoints.
const { env } = inject('cairn');
for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3']) {
  const host = new URL(env[name] ?? 'http://invalid').hostname;
  if (host !== '127.0.0.1' && host !== 'localhost')
    throw new Error(`Refusing to test against ${name}=${env[name]}: not loopback`);
}
Object.assign(process.env, env);
