import { apiKeyFromWire } from './reshape';
import { request } from './transport';
import type { ApiKey, CreatedApiKey, Role } from './types';
import type { WireApiKey } from './wire';

export async function listKeys(signal?: AbortSignal): Promise<ApiKey[]> {
  const answer = await request<{ keys: WireApiKey[] }>('GET', '/keys', { signal });
  return answer.keys.map(apiKeyFromWire);
}

export async function createKey(input: { name: string; role: Role }): Promise<CreatedApiKey> {
  const answer = await request<{ apiKey: WireApiKey & { secret: string } }>('POST', '/keys', { body: input });
  return { ...apiKeyFromWire(answer.apiKey), secret: answer.apiKey.secret };
}

export async function revokeKey(keyId: string): Promise<ApiKey> {
  const answer = await request<{ apiKey: WireApiKey }>('DELETE', `/keys/${encodeURIComponent(keyId)}`);
  return apiKeyFromWire(answer.apiKey);
}
