import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeSync, mkdirSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { TraceRecorder } from "../trace/recorder.ts";
import { parseTrace, TraceFormatError, type ParsedTrace } from "../trace/reader.ts";
import { UsageError } from "./command.ts";

/**
 * Write a trace atomically: into a temporary file beside the target, then rename. A failure leaves no file behind.
 * `.gz` paths are gzip-compressed.
 */
export function writeTraceFile(path: string, recorder: TraceRecorder): void {
  writeFileAtomic(path, (fd) => {
    if (path.endsWith(".gz")) {
      writeSync(fd, gzipSync(Buffer.from(recorder.toNdjson(), "utf8"), { level: 6 }));
      return;
    }
    const out = lineWriter(fd);
    for (const line of recorder.lines()) out.write(line);
    out.end();
  });
}

/** Lines written to `fd` (each followed by "\n") in pieces of about 1 MiB; `end` writes the rest and returns the bytes written. */
export function lineWriter(fd: number): { write: (line: string) => void; end: () => number } {
  let pending: string[] = [];
  let size = 0;
  let bytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    bytes += Buffer.byteLength(text);
    writeSync(fd, text);
    pending = [];
    size = 0;
  };
  return {
    write: (line) => {
      pending.push(line);
      size += line.length + 1;
      if (size >= 1 << 20) flush();
    },
    end: () => {
      flush();
      return bytes;
    },
  };
}

/**
 * `mkdir -p`, one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` loops forever when a level cannot
 * be created and reports ENOENT (a directory under /proc, for one), so it is not used here.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (let i = missing.length - 1; i >= 0; i--) mkdirSync(missing[i] as string);
}

/** A temporary file beside `path` (PATH.tmp-PID), to be renamed over it once complete. */
interface AtomicFile {
  readonly path: string;
  readonly tmp: string;
  readonly fd: number;
}

function openAtomic(path: string): AtomicFile {
  const dir = dirname(path);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new UsageError(`cannot create directory ${dir}: ${(e as Error).message}`);
  }
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  try {
    return { path, tmp, fd: openSync(tmp, "w") };
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function commitAtomic(f: AtomicFile): void {
  closeSync(f.fd);
  try {
    renameSync(f.tmp, f.path);
  } catch (e) {
    throw new UsageError(`cannot write ${f.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function abandonAtomic(f: AtomicFile): void {
  try {
    closeSync(f.fd);
  } catch {
    /* already closed */
  }
  rmSync(f.tmp, { force: true });
}

/** Write through `fill` into PATH.tmp-PID and rename over PATH; remove the temp file on any error. */
export function writeFileAtomic(path: string, fill: (fd: number) => void): void {
  const f = openAtomic(path);
  try {
    fill(f.fd);
    commitAtomic(f);
  } catch (e) {
    abandonAtomic(f);
    throw e;
  }
}

/** writeFileAtomic for a `fill` that reads its input asynchronously (a streamed export). */
export async function writeFileAtomicAsync(path: string, fill: (fd: number) => Promise<void>): Promise<void> {
  const f = openAtomic(path);
  try {
    await fill(f.fd);
    commitAtomic(f);
  } catch (e) {
    abandonAtomic(f);
    throw e;
  }
}

/** Read a trace file (.ndjson or gzip, detected by its magic bytes) and parse it. */
export function readTraceFile(path: string): ParsedTrace {
  return parseTrace(readTraceText(path), path);
}

export function readTraceText(path: string): string {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new TraceFormatError(path, 0, `corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return bytes.toString("utf8");
}
