import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join, resolve as resolvePath } from "node:path";
import { once } from "node:events";
import { createGunzip, createGzip, type ZlibOptions } from "node:zlib";
import type { TraceRecorder } from "../trace/recorder.ts";
import {
  isGzipBytes,
  LineSplitter,
  pushLastLine,
  TraceFormatError,
  TraceLineReader,
  type TraceEventSink,
} from "../trace/reader.ts";
import { UsageError } from "./command.ts";
import { checkUserFile, errnoText } from "./userFile.ts";

/**
 * Write a trace atomically: into a temporary file beside the target, then rename. A failure leaves no file behind.
 * `.gz` paths are gzip-compressed. Either way the text is produced and written a piece at a time: a long run's trace
 * is gigabytes of NDJSON, more than a JavaScript string can hold (building it whole ran a 10M-event run out of memory).
 */
export async function writeTraceFile(path: string | OutputFile, recorder: TraceRecorder): Promise<void> {
  const out = typeof path === "string" ? openOutput(path) : path;
  if (out.path.endsWith(".gz")) {
    await fillOutputAsync(out, (fd) => gzipLinesTo(fd, recorder.lines()));
    return;
  }
  await fillOutputAsync(out, async (fd) => {
    const lines = lineWriter(fd);
    // Yield after each piece written, as the gzip stream does: a Ctrl-C while the trace is written is then handled
    // (cleanUpOnSignal) and takes the temporary file with it, instead of ending the process between two writes.
    for (const line of recorder.lines())
      if (lines.write(line)) await new Promise<void>((resolve) => setImmediate(resolve));
    lines.end();
  });
}

/** Gzip `lines` (each followed by "\n") into `fd` as a stream, about 1 MiB of text at a time. */
async function gzipLinesTo(fd: number, lines: Iterable<string>): Promise<void> {
  // Compression runs on libuv's thread pool while this thread decodes the next piece, if a piece compresses in one
  // go (a 1 MiB output chunk, not 16 KiB: each chunk is a round trip through this thread), a few pieces can queue
  // (an 8 MiB buffer, not 16 KiB) and this thread yields between pieces. A 5.3M-row trace: 24.5 -> 19 s, and
  // writing it uncompressed takes 14.5 s (session 6's slow host).
  const gz = createGzip({ level: 6, chunkSize: 1 << 20, highWaterMark: 8 << 20 } as ZlibOptions);
  let failure: unknown = null;
  gz.on("data", (chunk: Buffer) => {
    if (failure !== null) return;
    try {
      writeSync(fd, chunk);
    } catch (e) {
      failure = e; // a full disk, /dev/full: stop compressing and report it
      gz.destroy();
    }
  });
  const finished = new Promise<void>((resolve, reject) => {
    gz.once("end", resolve);
    gz.once("error", reject);
    gz.once("close", () => (failure === null ? resolve() : reject(failure)));
  });
  finished.catch(() => {}); // awaited below; a rejection before then is not unhandled
  let piece = new LinePiece();
  for (const line of lines) {
    if (piece.add(line)) continue;
    const more = gz.write(piece.bytes());
    piece = new LinePiece(); // the stream keeps the last one until it is compressed
    piece.add(line);
    if (failure !== null) break;
    await (more ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.race([once(gz, "drain"), finished]));
    if (failure !== null) break;
  }
  if (failure === null) gz.end(piece.bytes());
  await finished;
  if (failure !== null) throw failure;
}

/**
 * Lines written to `fd` (each followed by "\n") in pieces of about 1 MiB; `write` says whether it wrote a piece, `end`
 * writes the rest and returns the bytes written.
 */
export function lineWriter(fd: number): { write: (line: string) => boolean; end: () => number } {
  const piece = new LinePiece();
  let bytes = 0;
  const flush = () => {
    const b = piece.bytes();
    if (b.length > 0) writeSync(fd, b);
    bytes += b.length;
    piece.clear();
  };
  return {
    write: (line) => {
      if (piece.add(line)) return false;
      flush();
      piece.add(line);
      return true;
    },
    end: () => {
      flush();
      return bytes;
    },
  };
}

/**
 * Lines encoded as UTF-8 into a buffer of about 1 MiB, each followed by "\n". Encoding each line straight into the
 * buffer beats joining lines into one string first: V8 would copy every decoded line (a string of many pieces) into a
 * flat string, then encode that again (writing a 5.3M-row trace: 14.5 -> ~10.5 s).
 */
class LinePiece {
  private static readonly SIZE = 1 << 20;
  private buf: Buffer = Buffer.allocUnsafe(LinePiece.SIZE);
  private pos = 0;

  /** Add a line; false (adding nothing) when it does not fit and the piece is not empty. */
  add(line: string): boolean {
    const most = line.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (this.pos + most > this.buf.length) {
      if (this.pos > 0) return false;
      this.buf = Buffer.allocUnsafe(most); // one line longer than a piece: a piece of its own
    }
    this.pos += this.buf.write(line, this.pos, "utf8");
    this.buf[this.pos++] = 10;
    return true;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  clear(): void {
    this.pos = 0;
  }
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

/**
 * An output file being written. A regular file (or a new one) is written into a temporary file beside it
 * (.NAME.tmp-PID) and renamed over it once complete, so a failure leaves the old file (or none) in place. A symlink is
 * followed to its final target first, so the link stays a link and the file it points to is replaced. An existing
 * target that is not a regular file (a character or block device such as /dev/null, a FIFO, a socket) is written
 * directly: there is nothing to rename over, and replacing a device with a file would destroy it.
 *
 * `openOutput` runs before a run, so a bad path fails at once; for a regular file it only proves the temporary file
 * can be created (and removes it again), and `fillOutput` creates it for real when the bytes are ready. A run can be
 * long and is interrupted with Ctrl-C, which must not leave a temporary file behind (a signal handler cannot help: the
 * run is synchronous, so a handler would only run when it ends, and would make Ctrl-C wait for it). Writing the file
 * takes seconds for a long run too: `fillOutputAsync` yields while it writes and removes the file on a signal.
 */
export interface OutputFile {
  /** The path the user gave (used in messages). */
  readonly path: string;
  /** Where the bytes end up: `path` with every symlink followed. */
  readonly target: string;
  /** The temporary file, or null when the target is written directly. */
  readonly tmp: string | null;
  /** Open descriptor: a special file's from `openOutput` on, the temporary file's from `fillOutput` on; else -1. */
  fd: number;
  /** Permission bits of the regular file being replaced (the temporary file gets them), or null for a new file. */
  readonly mode?: number | null;
}

const MAX_LINKS = 40;

/** `path` with every symlink followed (also a dangling one: the file is created where it points). */
function followLinks(path: string): string {
  let p = resolvePath(path);
  for (let i = 0; i < MAX_LINKS; i++) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch {
      return p; // nothing there (yet): written as a new file
    }
    if (!st.isSymbolicLink()) return p;
    p = resolvePath(dirname(p), readlinkSync(p));
  }
  throw new UsageError(`cannot write ${path}: too many levels of symbolic links`);
}

/** Open `path` for writing (see OutputFile). Fails fast with a UsageError naming the path. */
export function openOutput(path: string): OutputFile {
  // A trailing slash names a directory (`--trace out/`), which resolving the path would drop: it would write a file
  // named "out", or replace the file "out" that is there.
  if (path.endsWith("/"))
    throw new UsageError(`cannot write ${path}: a path ending in "/" names a directory, expected a file path`);
  // A descriptor's link (/dev/stdout -> /proc/self/fd/1 -> "pipe:[123]") names no path that can be followed by hand:
  // ask the kernel what the path opens, and write a pipe, a terminal or a device straight through the path given.
  let opens: Stats | null = null;
  try {
    opens = statSync(path);
  } catch {
    opens = null; // nothing there, or a path through a file (ENOTDIR): the checks below name the problem
  }
  if (opens !== null && !opens.isFile() && !opens.isDirectory()) return openSpecial(path, path, opens);
  const target = followLinks(path);
  let st: Stats | null = null;
  try {
    st = statSync(target);
  } catch {
    st = null;
  }
  if (st?.isDirectory()) throw new UsageError(`cannot write ${path}: it is a directory`);
  if (st !== null && !st.isFile()) return openSpecial(path, target, st);
  const dir = dirname(target);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new UsageError(`cannot create directory ${dir}: ${(e as Error).message}`); // names the level that failed
  }
  const tmp = join(dir, `.${basename(target)}.tmp-${process.pid}`);
  try {
    closeSync(openSync(tmp, "w"));
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${errnoText(e)}`);
  }
  rmSync(tmp, { force: true });
  return { path, target, tmp, fd: -1, mode: st === null ? null : st.mode & 0o7777 };
}

/** The output's descriptor, creating the temporary file of a regular one now. */
function openedFd(f: OutputFile): number {
  if (f.fd < 0 && f.tmp !== null) {
    try {
      f.fd = openSync(f.tmp, "w");
      // The renamed file replaces the old one: keep its permissions (a file shared with a group stays shared).
      if (f.mode !== undefined && f.mode !== null) fchmodSync(f.fd, f.mode);
    } catch (e) {
      throw new UsageError(`cannot write ${f.path}: ${errnoText(e)}`);
    }
  }
  return f.fd;
}

function openSpecial(path: string, target: string, st: Stats): OutputFile {
  try {
    if (st.isFIFO()) {
      // Opening a FIFO for writing blocks until something reads it; probe without blocking so that a FIFO nobody
      // reads is an error, not a hang.
      closeSync(openSync(target, constants.O_WRONLY | constants.O_NONBLOCK));
    }
    return { path, target, tmp: null, fd: openSync(target, constants.O_WRONLY) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENXIO" && st.isFIFO())
      throw new UsageError(`cannot write ${path}: it is a FIFO (named pipe) that nothing is reading`);
    if (code === "ENXIO" && st.isSocket())
      throw new UsageError(`cannot write ${path}: it is a socket, which cannot be opened as a file`);
    throw new UsageError(`cannot write ${path}: ${errnoText(e)}`);
  }
}

/** Finish an output file: close it and rename the temporary file into place. */
export function commitOutput(f: OutputFile): void {
  try {
    closeSync(f.fd);
    f.fd = -1;
    if (f.tmp !== null) renameSync(f.tmp, f.target);
  } catch (e) {
    abandonOutput(f);
    throw new UsageError(`cannot write ${f.path}: ${errnoText(e)}`);
  }
}

/** Give up on an output file: close it and remove the temporary file (the target is left as it was). */
export function abandonOutput(f: OutputFile): void {
  try {
    if (f.fd >= 0) closeSync(f.fd);
  } catch {
    /* already closed */
  }
  f.fd = -1;
  if (f.tmp !== null) rmSync(f.tmp, { force: true });
}

/**
 * A failed write(2) on the output (ENOSPC on /dev/full, EIO, ...) as a UsageError naming the file; other errors as they
 * are.
 */
function writeError(f: OutputFile, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err?.syscall === "write" || err?.code === "ENOSPC" || err?.code === "EPIPE")
    return new UsageError(`cannot write ${f.path}: ${errnoText(e)}`);
  return e;
}

/** Write through `fill` into an opened output file and commit it; abandon it on any error. */
export function fillOutput(f: OutputFile, fill: (fd: number) => void): void {
  try {
    fill(openedFd(f));
  } catch (e) {
    abandonOutput(f);
    throw writeError(f, e);
  }
  commitOutput(f);
}

/** Write through `fill` into PATH (see OutputFile); on any error the temporary file is removed. */
export function writeFileAtomic(path: string, fill: (fd: number) => void): void {
  fillOutput(openOutput(path), fill);
}

/** writeFileAtomic for a `fill` that reads its input asynchronously (a streamed export). */
export async function writeFileAtomicAsync(path: string, fill: (fd: number) => Promise<void>): Promise<void> {
  await fillOutputAsync(openOutput(path), fill);
}

/**
 * fillOutput for a `fill` that works asynchronously. While it works, Ctrl-C or a kill (SIGINT, SIGTERM, SIGHUP) removes
 * the temporary file before the signal ends the process, which would otherwise leave it behind.
 */
export async function fillOutputAsync(f: OutputFile, fill: (fd: number) => Promise<void>): Promise<void> {
  const stop = f.tmp === null ? () => {} : cleanUpOnSignal(() => abandonOutput(f));
  try {
    try {
      await fill(openedFd(f));
    } catch (e) {
      abandonOutput(f);
      throw writeError(f, e);
    }
    commitOutput(f);
  } finally {
    stop();
  }
}

const ENDING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** What to remove if a signal ends the process now, newest last. */
const onEndingSignal: (() => void)[] = [];

function endingSignal(signal: NodeJS.Signals): void {
  for (const s of ENDING_SIGNALS) process.removeListener(s, endingSignal);
  for (const cleanUp of onEndingSignal.splice(0).reverse()) cleanUp();
  // with the handler gone, its default action ends the process: the exit status says which signal
  process.kill(process.pid, signal);
}

/**
 * Until the returned function is called, a signal that would end the process (Ctrl-C, a kill) runs `cleanUp` first
 * (with any others registered, newest first), then ends the process with that same signal.
 */
export function cleanUpOnSignal(cleanUp: () => void): () => void {
  const entry = () => cleanUp();
  if (onEndingSignal.length === 0) for (const s of ENDING_SIGNALS) process.on(s, endingSignal);
  onEndingSignal.push(entry);
  return () => {
    const i = onEndingSignal.indexOf(entry);
    if (i < 0) return;
    onEndingSignal.splice(i, 1);
    if (onEndingSignal.length === 0) for (const s of ENDING_SIGNALS) process.removeListener(s, endingSignal);
  };
}

/**
 * Read and check a trace file as a stream, handing its header and events to `sink` (which alone decides what is kept:
 * a trace of any length is read in bounded memory). Returns the reader, finished: header, footer, counts.
 */
export async function streamTraceEvents(path: string, sink: TraceEventSink): Promise<TraceLineReader> {
  const reader = new TraceLineReader(path, sink);
  const rest = await streamTraceLines(path, (line) => reader.push(line));
  pushLastLine(reader, rest, path);
  reader.finish();
  return reader;
}

/** A sink that keeps nothing: streamTraceEvents then only checks the trace. */
export const DISCARD_EVENTS: TraceEventSink = { header() {}, event() {} };

/**
 * Read a trace file as a stream (plain or gzip, by its magic bytes), for traces too big to hold as one string: each
 * line (without its newline) goes to `onLine` in order, each piece of decoded text to `onText` (all of them together
 * are the file's text exactly); returns the text after the last newline. A file that cannot be read is a UsageError,
 * damaged gzip data a TraceFormatError; errors `onLine` throws (a bad line) pass through as they are.
 */
export async function streamTraceLines(
  path: string,
  onLine: (line: string) => void,
  onText?: (text: string) => void,
): Promise<string> {
  const gzip = isGzipFile(path);
  // Fatal: a damaged byte is a corrupt trace, named by its line, not a U+FFFD that replays as "does not reproduce".
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // Lines read whole before damaged gzip data stopped the reading (zlib may drop its last piece of output when it
  // fails, so the damage can lie a little after that: the message says how far it read, not where the damage is).
  let complete = 0;
  const splitter = new LineSplitter((line) => {
    complete++;
    onLine(line);
  }, path);
  // What the callbacks throw is theirs, not the reading's: an exporter's failed write to a full --out is not
  // "cannot read TRACE".
  let theirs: unknown;
  const lines = (text: string) => {
    try {
      onText?.(text);
      splitter.push(text);
    } catch (e) {
      theirs = e;
      throw e;
    }
  };
  const file = createReadStream(path);
  const source = gzip ? file.pipe(createGunzip()) : file;
  file.on("error", (e) => source.destroy(e));
  // The line the next decoded text starts in: lines read whole so far, plus the one the splitter holds.
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      // Nothing wrong within the piece: the character the previous piece began is what is wrong.
      const at = chunk === undefined ? 0 : firstInvalidUtf8(chunk);
      const newlines = chunk === undefined || at === chunk.length ? 0 : countNewlines(chunk, at);
      throw new TraceFormatError(
        path,
        complete + 1 + newlines,
        "not valid UTF-8 (a damaged or foreign byte); the trace is corrupt",
      );
    }
  };
  try {
    for await (const chunk of source) lines(decode(chunk as Buffer));
  } catch (e) {
    if (e === theirs || e instanceof TraceFormatError || e instanceof UsageError) throw e;
    if (gzip && !(e as NodeJS.ErrnoException).syscall)
      throw new TraceFormatError(
        path,
        0,
        `corrupt or truncated gzip data (${(e as Error).message}) after line ${complete}, the last read whole`,
      );
    if ((e as NodeJS.ErrnoException).syscall) throw new UsageError(`cannot read ${path}: ${errnoText(e)}`);
    throw e;
  } finally {
    file.destroy();
  }
  lines(decode());
  return splitter.takeRest();
}

function countNewlines(b: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (b[i] === 0x0a) n++;
  return n;
}

/**
 * Where the first byte that cannot be UTF-8 is in `b`, a piece of a stream (WHATWG's rules: no overlong forms, no
 * surrogates, nothing above U+10FFFF); b.length if none. Continuation bytes at its start belong to a character begun
 * in the previous piece, and a character cut off at its end goes on in the next one: neither is an error here.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < b.length && ((b[i] as number) & 0xc0) === 0x80) i++;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return b.length; // cut off: the rest is in the next piece
      const x = b[i + k] as number;
      if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** Does the file start with gzip's magic bytes? (A missing file or a directory is a UsageError naming it.) */
function isGzipFile(path: string): boolean {
  checkUserFile(path);
  const head = Buffer.alloc(2);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${errnoText(e)}`);
  }
  try {
    return readSync(fd, head, 0, 2, 0) === 2 && isGzipBytes(head);
  } finally {
    closeSync(fd);
  }
}
