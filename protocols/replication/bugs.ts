export const replicationBugs: Record<string, string> = {
  "no-fencing":
    "A deposed primary ignores its lease and higher epochs: cut off with a minority it keeps acknowledging " +
    "writes after a new primary took over (split brain).",
  "ack-early": "In sync mode the primary acknowledges a write after its local write, before the backups hold it.",
  "promote-stale-backup":
    "Voters do not compare logs: a failover can promote a backup that lacks acknowledged writes another holds.",
};
