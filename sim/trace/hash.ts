/**
 * A fast, deterministic, browser-safe 64-bit string hash (two independent 32-bit FNV-1a style lanes over UTF-16 code
 * units), incremental. Used for "the same seed gives the same trace": equal text gives an equal digest.
 */
export class TraceHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x9747b28c;

  update(text: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  digest(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }
}

export function hashText(text: string): string {
  return new TraceHash().update(text).digest();
}
