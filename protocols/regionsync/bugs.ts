export const regionsyncBugs: Record<string, string> = {
  "no-dedup":
    "The target applies every change of a batch, also those it already holds: a retried or duplicated batch is " +
    "applied twice.",
  "ack-before-apply":
    "The target acknowledges a batch before applying and syncing it: a crash in between loses changes the source " +
    "believes delivered.",
  "resume-from-sent":
    "When the source retries after no progress (a partition), it takes what it sent as acknowledged and resumes " +
    "from there: the changes lost in the partition are never resent.",
};
