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
    const chunk: string[] = [];
    let size = 0;
    for (const line of recorder.lines()) {
      chunk.push(line);
      size += line.length;
      if (size > 1 << 20) {
        writeSync(fd, `${chunk.join("\n")}\n`);
        chunk.length = 0;
        size = 0;
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join("\n")}\n`);
  });
}

/** Write through `fill` into PATH.tmp-XXXX and rename over PATH; remove the temp file on any error. */
export function writeFileAtomic(path: string, fill: (fd: number) => void): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create directory ${dir}: ${(e as Error).message}`);
  }
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  let fd: number;
  try {
    fd = openSync(tmp, "w");
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    fill(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
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
