/**
 * Transfer progress: files, bytes and rate. On a terminal it redraws one bar in place; elsewhere
 * (CI logs, pipes) it prints a plain line every few seconds and one at the end, so a log stays
 * readable. Output goes to stderr, keeping stdout for results and `--json`.
 */

export interface ProgressSink {
  write(text: string): void;
  /** A terminal: redraw in place. */
  isTTY?: boolean;
  /** Terminal width, for the bar. */
  columns?: number;
}

export interface ProgressOptions {
  /** What is happening: `hashing`, `uploading`, `downloading`. */
  label: string;
  totalFiles: number;
  totalBytes: number;
  sink?: ProgressSink | undefined;
  /** Plain-line interval when not on a terminal. Default 5 s. */
  lineIntervalMs?: number;
  now?: () => number;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
/** Erases what a longer previous bar left to the right of this one. */
const clearToEnd = '\x1b[K';

/** `1.5 GiB`: binary units, three significant figures. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toPrecision(3)} ${units[unit]}`;
}

export class Progress {
  readonly #options: Required<Omit<ProgressOptions, 'sink'>> & { sink: ProgressSink | undefined };
  readonly #started: number;
  #files = 0;
  #bytes = 0;
  #lastDraw = 0;
  #lastLine = 0;
  #finished = false;

  constructor(options: ProgressOptions) {
    const now = options.now ?? Date.now;
    this.#options = { lineIntervalMs: 5000, ...options, now, sink: options.sink };
    this.#started = now();
    this.#lastLine = this.#started;
  }

  get files(): number {
    return this.#files;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes moved so far (called as chunks flow, so the rate is live). */
  addBytes(count: number): void {
    this.#bytes += count;
    this.#maybeDraw();
  }

  /** A file finished (downloaded, uploaded, or skipped because it was already there). */
  fileDone(): void {
    this.#files++;
    this.#maybeDraw();
  }

  /** Counts a file as done without moving its bytes: present remotely, or locally with the right hash. */
  skip(bytes: number): void {
    this.#bytes += bytes;
    this.fileDone();
  }

  /** Bytes per second since the start. */
  rate(): number {
    const seconds = Math.max(0.001, (this.#options.now() - this.#started) / 1000);
    return this.#bytes / seconds;
  }

  /** One line: `uploading 120/1000 files, 450 MiB/1.00 GiB, 85.0 MiB/s`. */
  line(): string {
    const { label, totalFiles, totalBytes } = this.#options;
    return `${label} ${this.#files}/${totalFiles} files, ${formatBytes(this.#bytes)}/${formatBytes(totalBytes)}, ${formatBytes(this.rate())}/s`;
  }

  /** Draws the final state; on a terminal, ends the bar's line. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const sink = this.#options.sink;
    if (!sink) return;
    if (sink.isTTY) sink.write(`\r${this.#bar()}${clearToEnd}\n`);
    else sink.write(`${this.line()}\n`);
  }

  #bar(): string {
    const { totalBytes, totalFiles } = this.#options;
    const fraction =
      totalBytes > 0 ? this.#bytes / totalBytes : totalFiles > 0 ? this.#files / totalFiles : 1;
    const text = ` ${Math.floor(Math.min(1, fraction) * 100)
      .toString()
      .padStart(3)}% ${this.line()}`;
    const width = Math.max(10, Math.min(40, (this.#options.sink?.columns ?? 80) - text.length - 3));
    const filled = Math.round(Math.min(1, fraction) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${text}`;
  }

  #maybeDraw(): void {
    const sink = this.#options.sink;
    if (!sink || this.#finished) return;
    const now = this.#options.now();
    if (sink.isTTY) {
      // About ten redraws a second: enough to look live, cheap enough for thousands of small files.
      if (now - this.#lastDraw < 100) return;
      this.#lastDraw = now;
      sink.write(`\r${this.#bar()}${clearToEnd}`);
    } else if (now - this.#lastLine >= this.#options.lineIntervalMs) {
      this.#lastLine = now;
      sink.write(`${this.line()}\n`);
    }
  }
}
