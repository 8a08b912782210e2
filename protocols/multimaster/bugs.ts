export const multimasterBugs: Record<string, string> = {
  "lww-ignores-logical":
    "The hybrid-logical-clock comparison skips the logical counter: two updates a replica stamped within one wall " +
    "value compare equal, a replica that already holds the first keeps it, and replicas diverge.",
  "no-anti-entropy-resume":
    "After a silence or a gap, replication resumes from the newest update instead of the last acknowledged one: " +
    "updates lost in a partition are never re-sent, and the replicas never converge.",
  "vv-drop-sibling":
    "The version-vector merge treats a version whose clock has the larger sum as newer, so an incoming concurrent " +
    "version drops a sibling it never saw.",
};
