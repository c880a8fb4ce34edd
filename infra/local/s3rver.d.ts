// s3rver ships no types; this is the part of its API the local stack uses.
declare module 's3rver' {
  interface S3rverOptions {
    port?: number;
    address?: string;
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: string[] }[];
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Koa's middleware list: the local stack puts the S3 operations s3rver lacks in front. */
    middleware: ((ctx: never, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  /** s3rver's S3 error: rendered as S3's XML error with the code's status. */
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail: Record<string, unknown>);
  }
}
