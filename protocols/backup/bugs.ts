export const backupBugs: Record<string, string> = {
  "skip-verify":
    "The restore trusts the blocks it reads without checking their sha256: a block damaged in the backup store is " +
    "restored as it is (an unreadable one silently left out), and the restored state differs from the source.",
  "incremental-gap":
    "An incremental is taken against the wrong base: the changes after the point the previous backup was " +
    "confirmed, not after its snapshot point, so writes made while the previous backup was copied are missing.",
};
