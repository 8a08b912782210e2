/** Echo: a node pings a peer, the peer echoes the sequence number back. */
export type EchoMsg = { type: "ping"; seq: number } | { type: "echo"; seq: number };
