/** Planted bug variants of the master-master protocol (switched on by a scenario's `bugs` or `--bug`). */
export const multiMasterBugs = {
  "lww-ignores-logical":
    "LWW merge compares HLC timestamps by wall time and node only, ignoring the logical counter: two writes of one " +
    "node within one wall value tie, and replicas keep whichever arrived first (divergence)",
  "no-anti-entropy-resume":
    "after a retry timeout the origin resumes from the newest write it sent instead of the last one the peer " +
    "acknowledged: writes lost in a partition are never re-sent (replicas never converge)",
  "vv-drop-sibling":
    "siblings mode: a merge replaces a concurrent sibling by the incoming version instead of keeping both (divergence)",
} as const;
