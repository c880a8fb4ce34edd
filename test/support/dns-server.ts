import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * A real DNS server on loopback (UDP, A and AAAA only) whose answers a test sets and changes, so
 * that name resolution, and a name that changes its answer (DNS rebinding), can be tested without
 * the internet. Names it does not know answer NXDOMAIN.
 */
export interface TestDns {
  /** Sets what a name resolves to (IPv4 and IPv6 literals), replacing the previous answer. */
  set(name: string, addresses: string[]): void;
  /** A resolver that asks only this server, in the shape a webhook URL policy takes. */
  lookup(host: string): Promise<string[]>;
  close(): void;
}

const typeA = 1;
const typeAAAA = 28;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])),
    Buffer.from([0]),
  ]);
}

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at]! > 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function addressBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [
    ...groups(head),
    ...Array<string>(address.includes('::') ? missing : 0).fill('0'),
    ...groups(tail),
  ];
  return Buffer.from(
    all.flatMap((group) => [Number.parseInt(group, 16) >> 8, Number.parseInt(group, 16) & 255]),
  );
}

export async function startTestDns(): Promise<TestDns> {
  const answers = new Map<string, string[]>();
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const question = readName(query, 12);
    const qtype = query.readUInt16BE(question.end);
    const known = answers.get(question.name);
    const records = (known ?? []).filter((address) => isIP(address) === (qtype === typeAAAA ? 6 : 4));
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    // Response, recursion available; rcode 3 (NXDOMAIN) for names it was never told about.
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(qtype === typeA || qtype === typeAAAA ? records.length : 0, 6);
    const questionBytes = query.subarray(12, question.end + 4);
    const answerBytes = records.map((address) => {
      const data = addressBytes(address);
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(qtype, 0);
      fixed.writeUInt16BE(1, 2);
      fixed.writeUInt32BE(0, 4);
      fixed.writeUInt16BE(data.length, 8);
      return Buffer.concat([encodeName(question.name), fixed, data]);
    });
    socket.send(Buffer.concat([header, questionBytes, ...answerBytes]), peer.port, peer.address);
  });
  await new Promise<void>((listening) => socket.bind(0, '127.0.0.1', listening));
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${socket.address().port}`]);
  const family = (ask: Promise<string[]>) =>
    ask.catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENODATA') return [];
      throw error;
    });
  return {
    set: (name, addresses) => answers.set(name.toLowerCase(), addresses),
    async lookup(host) {
      const [v4, v6] = await Promise.all([family(resolver.resolve4(host)), family(resolver.resolve6(host))]);
      const all = [...v4, ...v6];
      if (all.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
      return all;
    },
    close: () => socket.close(),
  };
}
