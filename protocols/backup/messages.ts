/** One key's value in a backup block (null: the key holds nothing). */
export type BackupRecord = [key: string, value: string | null];

/** One entry of a data node's change log: the value `key` holds after write number `seq`, at local time `t`. */
export interface LogEntry {
  seq: number;
  t: number;
  key: string;
  value: string | null;
}

/** What the store keeps about one backup, besides its blocks. */
export interface Manifest {
  id: string;
  source: string;
  kind: "full" | "incremental" | "differential";
  /** The backup this one is a delta against (null for a full). */
  base: string | null;
  /** The snapshot point: the source's log position and local time when the backup began. */
  seq: number;
  t: number;
  startedAt: number;
  /** sha256 (hex) of each block's canonical JSON, and the keys each block holds. */
  shas: string[];
  keys: string[][];
  bytes: number;
}

export type BackupMsg =
  /** Data node -> store: block `index` of backup `id`. */
  | { type: "block"; id: string; index: number; records: BackupRecord[]; bytes: number }
  /** Data node -> store: the manifest (sent after the blocks). */
  | { type: "manifest"; manifest: Manifest }
  /** Store -> data node: every block and the manifest of `id` are durable. */
  | { type: "stored"; id: string }
  /** Restore target -> store: the manifests of `source`'s backups. */
  | { type: "list"; source: string }
  | { type: "manifests"; source: string; manifests: Manifest[]; unreadable: number }
  /** Restore target -> store: the blocks of these backups. */
  | { type: "fetch"; ids: string[] }
  /** Store -> restore target: a backup's blocks as read from disk (null: unreadable). */
  | { type: "blocks"; id: string; blocks: (BackupRecord[] | null)[]; bytes: number }
  /** Restore target -> source: change log entries after `afterSeq` up to local time `untilT`. */
  | { type: "logReq"; afterSeq: number; untilT: number }
  | { type: "log"; entries: LogEntry[] }
  /** Restore target -> everyone: I now serve `source`'s keys. */
  | { type: "joined"; source: string };
