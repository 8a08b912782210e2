import { readFileSync, statSync } from "node:fs";
import { UsageError } from "./command.ts";

/**
 * Read a file the user named (scenario, trace, history). Anything that stops it is a UsageError naming the file:
 * `cannot read PATH: no such file`, `cannot read PATH: it is a directory[, expected ...]`, `...: permission denied`.
 */
export function readUserFile(path: string, expected?: string): Buffer {
  checkUserFile(path, expected);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${reason(e, expected)}`);
  }
}

/** The checks of readUserFile without the read: exists and is not a directory. */
export function checkUserFile(path: string, expected?: string): void {
  if (path === "") throw new UsageError(`expected a file path${expected ? ` (${expected})` : ""}, got an empty string`);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${reason(e, expected)}`);
  }
  if (isDir) throw new UsageError(`cannot read ${path}: it is a directory${expected ? `, expected ${expected}` : ""}`);
}

function reason(e: unknown, expected?: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return `it is a directory${expected ? `, expected ${expected}` : ""}`;
  return errnoText(e);
}

/** A system error as a short phrase for a message about a file ("permission denied (EACCES)"). */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return `permission denied (${err.code})`;
    case "ENOSPC":
      return "no space left on device (ENOSPC)";
    case "EROFS":
      return "read-only file system (EROFS)";
    case "EISDIR":
      return "it is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory (ENOTDIR)";
    case "ELOOP":
      return "too many levels of symbolic links (ELOOP)";
    default:
      return err.code ?? err.message;
  }
}
