export const registerBugs: Record<string, string> = {
  "ack-before-replicate":
    "The primary answers a write as soon as it receives it, before syncing or replicating it: a primary " +
    "crash loses acknowledged writes.",
  "stale-backup-read":
    "Backups answer reads from their own copy instead of redirecting to the primary: a lagging backup " +
    "returns stale values.",
};
