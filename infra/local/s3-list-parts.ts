import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Where s3rver keeps the parts of unfinished multipart uploads: one folder per upload id. */
export const emulatorUploadsFolder = '._S3rver_uploads';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * S3's ListParts (`GET /<bucket>/<key>?uploadId=…`), which s3rver lacks (it answers
 * MethodNotAllowed): the functions list an upload's parts before they complete it, and compare
 * them with what the client names. Parts are the files s3rver wrote for the upload; their ETags
 * are the MD5s s3rver answered for them, as S3's are for unencrypted parts. S3RVER keeps no
 * checksums, so none are listed. All parts are listed at once (an emulated upload is small).
 */
export function listPartsMiddleware(directory: string) {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const uploadId = ctx.query.uploadId;
    const [, bucket, ...keyParts] = ctx.path.split('/');
    if (ctx.method !== 'GET' || typeof uploadId !== 'string' || !bucket || keyParts.length === 0)
      return next();
    const folder = join(directory, bucket, emulatorUploadsFolder, uploadId);
    const files = await readdir(folder).catch(() => undefined);
    ctx.type = 'application/xml';
    if (!files || !/^[0-9a-f]+$/.test(uploadId)) {
      ctx.status = 404;
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(uploadId)}</UploadId></Error>`;
      return;
    }
    const numbers = files
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
    const parts = await Promise.all(
      numbers.map(async (number) => {
        const path = join(folder, String(number));
        const [info, md5] = await Promise.all([stat(path), md5Of(path)]);
        return `<Part><PartNumber>${number}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${info.size}</Size></Part>`;
      }),
    );
    const key = decodeURIComponent(keyParts.join('/'));
    ctx.status = 200;
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`;
  };
}
