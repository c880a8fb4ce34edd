import { createHash, randomBytes } from 'node:crypto';

/** `cairn_` and 256 random bits, base64url: readable prefix for secret scanners, full entropy after it. */
export const secretPattern = /^cairn_[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return `cairn_${randomBytes(32).toString('base64url')}`;
}

/** Keys are high-entropy, so a plain SHA-256 is the right hash: no salt or stretching needed. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** Enough of the secret to tell keys apart in a list, far too little to guess the rest. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, 10);
}
