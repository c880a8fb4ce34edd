import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to one request instead of passing it through untouched. */
export type Fault =
  /** Answer with this status (and headers, body) without forwarding. */
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Cut the connection without forwarding: the server never saw the request. */
  | { drop: 'before' }
  /** Forward, then cut the connection instead of answering: the server acted, the client cannot know. */
  | { drop: 'after' };

export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  at: number;
}

export interface FaultProxy {
  url: string;
  /** Consumed in order by the requests `match` selects; once empty, everything passes through. */
  faults: Fault[];
  /** Every request that reached the proxy, faulted or not. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

const hopByHop = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
]);

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A fault injector on loopback in front of a real server (the local gateway or a test stub):
 * it answers 429/503s, drops connections before or after forwarding, and records what it saw,
 * so that retry behaviour is tested against real answers rather than a mocked `fetch`.
 */
export async function startFaultProxy(
  target: string,
  match: (method: string, path: string) => boolean = () => true,
): Promise<FaultProxy> {
  const proxy: FaultProxy = { url: '', faults: [], requests: [], close: async () => {} };
  const server = createServer(async (request, response) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const body = await readBody(request);
    proxy.requests.push({ method, path, body: body.toString('utf8'), at: Date.now() });
    const fault = match(method, path.split('?')[0]!) ? proxy.faults.shift() : undefined;
    if (fault && 'status' in fault) {
      const payload = fault.body === undefined ? '' : JSON.stringify(fault.body);
      response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      response.end(payload);
      return;
    }
    if (fault?.drop === 'before') {
      request.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !hopByHop.has(name))
        headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const answer = await fetch(`${target}${path}`, {
      method,
      headers,
      body: body.length ? new Uint8Array(body) : undefined,
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    if (fault?.drop === 'after') {
      request.socket.destroy();
      return;
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!hopByHop.has(name)) out[name] = value;
    });
    response.writeHead(answer.status, out);
    response.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
