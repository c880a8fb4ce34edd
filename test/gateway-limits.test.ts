// API Gateway's limits and its own answers, on the suite's stack, over raw sockets where a
// connection's fate is the point.
import { connect, type Socket } from 'node:net';
import { describe, expect, inject, test } from 'vitest';
import { api } from './support/http.ts';
import { newTenant } from './support/tenants.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One keep-alive connection to the gateway, read response by response. */
function connection() {
  const { hostname, port } = new URL(inject('cairn').url);
  const socket: Socket = connect(Number(port), hostname);
  let buffer = Buffer.alloc(0);
  let closed: Error | 'closed' | undefined;
  const waiting: (() => void)[] = [];
  const wake = () => {
    for (const wakeUp of waiting.splice(0)) wakeUp();
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake();
  });
  socket.on('error', (error) => {
    closed = error;
    wake();
  });
  socket.on('close', () => {
    closed ??= 'closed';
    wake();
  });

  async function next(): Promise<RawResponse> {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffer.length >= end + 4 + length) {
          const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
          buffer = buffer.subarray(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers, body };
        }
      }
      if (closed) throw closed === 'closed' ? new Error('connection closed') : closed;
      await new Promise<void>((wakeUp) => waiting.push(wakeUp));
    }
  }

  return {
    write: (data: string | Buffer) =>
      new Promise<void>((done, fail) => socket.write(data, (error) => (error ? fail(error) : done()))),
    next,
    get closed() {
      return closed;
    },
    end: () => socket.destroy(),
  };
}

const host = () => new URL(inject('cairn').url).host;
const health = () => `GET /api/v1/health HTTP/1.1\r\nHost: ${host()}\r\n\r\n`;

describe('API Gateway percent-decoding', () => {
  test('a malformed escape in the path is 400 Bad Request as JSON, with or without a key', async () => {
    const anonymous = await api('GET', '/api/v1/models/%C3');
    expect(anonymous.status).toBe(400);
    expect(anonymous.body).toEqual({ message: 'Bad Request' });

    const tenant = await newTenant();
    const keyed = await tenant.call('GET', '/api/v1/models/%E0%A4%A');
    expect(keyed.status).toBe(400);
    expect(keyed.body).toEqual({ message: 'Bad Request' });
  });

  test('path parameters arrive decoded, twice over as HTTP APIs do', async () => {
    const tenant = await newTenant();
    const name = 'fraud model λ';
    expect((await tenant.call('POST', '/api/v1/models', { body: { name } })).status).toBe(201);
    const once = await tenant.call('GET', `/api/v1/models/${encodeURIComponent(name)}`);
    expect(once.body.model.name).toBe(name);
    // `%2520` is `%20` after one decoding and a space after the second.
    const twice = await tenant.call('GET', `/api/v1/models/fraud%2520model%2520%25CE%25BB`);
    expect(twice.body.model.name).toBe(name);
    // A `%` that survives the first decoding must form an escape for the second.
    const refused = await tenant.call('GET', '/api/v1/models/100%25done');
    expect(refused.status).toBe(400);
  });
});

describe('request size limits, on one keep-alive connection', () => {
  const overTenMegabytes = Buffer.alloc(10 * 1024 * 1024 + 1, 'x');

  test('a body over 10 MB (declared length) gets 413 as JSON, and the connection serves the next request', async () => {
    const socket = connection();
    await socket.write(
      `POST /api/v1/runs/r/log HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: ${overTenMegabytes.length}\r\n\r\n`,
    );
    await socket.write(overTenMegabytes);
    const refused = await socket.next();
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Request Entity Too Large' });

    await socket.write(health());
    const next = await socket.next();
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toEqual({ status: 'ok' });
    socket.end();
  });

  test('a chunked body that grows past 10 MB gets 413, and the connection serves the next request', async () => {
    const socket = connection();
    await socket.write(
      `POST /api/v1/runs/r/log HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    for (let i = 0; i < 11; i++) await socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await socket.write('0\r\n\r\n');
    const refused = await socket.next();
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Request Entity Too Large' });

    await socket.write(health());
    expect((await socket.next()).status).toBe(200);
    socket.end();
  });

  test('headers past 10,240 bytes (request line and values) get 431 as JSON, and the connection serves the next request', async () => {
    const socket = connection();
    await socket.write(
      `GET /api/v1/health HTTP/1.1\r\nHost: ${host()}\r\nX-Padding: ${'p'.repeat(10_240)}\r\n\r\n`,
    );
    const refused = await socket.next();
    expect(refused.status).toBe(431);
    expect(refused.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Request Header Fields Too Large' });

    await socket.write(health());
    expect((await socket.next()).status).toBe(200);
    socket.end();
  });

  test('a query string that pushes the request line past the limit gets 431 as JSON', async () => {
    const response = await api('GET', `/api/v1/health?q=${'q'.repeat(11_000)}`);
    expect(response.status).toBe(431);
    expect(response.body).toEqual({ message: 'Request Header Fields Too Large' });
  });

  test('headers just under the limit pass', async () => {
    const padding = 10_240 - 2_000;
    const response = await api('GET', '/api/v1/health', { headers: { 'x-padding': 'p'.repeat(padding) } });
    expect(response.status).toBe(200);
  });

  test('a header section too large even to parse still gets JSON, not an empty body', async () => {
    const socket = connection();
    await socket.write(
      `GET /api/v1/health HTTP/1.1\r\nHost: ${host()}\r\nX-Padding: ${'p'.repeat(200_000)}\r\n\r\n`,
    );
    const refused = await socket.next();
    expect(refused.status).toBe(431);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Request Header Fields Too Large' });
    socket.end();
  });
});
