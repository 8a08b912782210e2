/**
 * Byte-level encoding of trace rows in memory: LEB128 varints, zigzag for signed deltas, interned strings, and
 * "flat" objects (plain objects whose values are all primitives) stored as a shape id plus their values, so a
 * run's messages, ops and views need not be kept alive as objects. Decoding gives back exactly the text
 * `JSON.stringify` would have produced for the original value.
 *
 * Why: on this machine every fresh page of memory costs a ~12us fault (about 3ns per byte retained), and every
 * retained object costs the garbage collector a copy or two. Encoding a `{type: "ping", seq: 12345}` message takes
 * 5 bytes instead of a 40-byte object and an 8-byte reference.
 */

/** Value tags. */
export const V_REF = 0; // kept as a reference in the block's object list, serialised with JSON.stringify at the end
export const V_NULL = 1; // null, or a non-finite number (JSON writes both as null)
export const V_TRUE = 2;
export const V_FALSE = 3;
export const V_UINT = 4; // a safe integer >= 0 (or -0): varint
export const V_NINT = 5; // a negative safe integer: varint of its magnitude
export const V_F64 = 6; // any other finite number: 8 bytes
export const V_STR = 7; // an interned string: varint index
export const V_FLAT = 8; // a flat object: varint shape id, then one primitive value per key
export const V_ABSENT = 9; // undefined (omitted inside an object, like JSON.stringify does)

/** Longest string value interned (longer ones are kept as references). */
const MAX_INTERNED_LENGTH = 64;
/** Most keys a flat object may have. */
export const MAX_FLAT_KEYS = 16;
/** Bytes a flat field can take at most (tag + 8-byte float or 8-byte varint). */
export const MAX_FIELD_BYTES = 11;

/** Write v (an integer in [0, 2^53)) as an unsigned LEB128 varint; returns the new position. */
export function putUv(b: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    b[pos++] = (v & 0x7f) | 0x80; // & takes the low 32 bits, and 2^32 is a multiple of 128: exact for any integer
    v = v > 0x7fffffff ? Math.floor(v / 128) : v >>> 7;
  }
  b[pos++] = v;
  return pos;
}

/** Zigzag: signed integers to unsigned, small magnitudes to small numbers. */
export function zz(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

export function unzz(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** The shape of a flat object: its keys, in property order. */
interface Shape {
  readonly keys: readonly string[];
  /** `"key":` for each key. */
  readonly keyJson: readonly string[];
}

interface ShapeTrie {
  shape: number;
  readonly next: Map<string, ShapeTrie>;
}

/** Interned strings and object shapes of one trace. */
export class CodecTables {
  readonly strings: string[] = [];
  /** JSON of each interned string, computed once. */
  readonly stringJson: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** One-entry cache (consecutive rows often repeat a message type or timer name); empty until the first intern. */
  private lastText = "";
  private lastTextIndex = -1;

  readonly shapes: Shape[] = [];
  private readonly trie: ShapeTrie = { shape: -1, next: new Map() };
  /** Last shape seen at each hint (a call site, or a message type): usually the next object's shape too. */
  private readonly hints: number[] = [];
  private readonly keyScratch: string[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  intern(text: string): number {
    if (text === this.lastText && this.lastTextIndex >= 0) return this.lastTextIndex;
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringJson.push(JSON.stringify(text));
      this.stringIndex.set(text, i);
    }
    this.lastText = text;
    this.lastTextIndex = i;
    return i;
  }

  /**
   * Encode a primitive at b[pos] (the caller guarantees MAX_FIELD_BYTES of room). Returns the new position, or -1
   * when v is not a primitive this codec stores inline (objects, long strings, functions, symbols, bigints).
   */
  putPrimitive(b: Uint8Array, pos: number, v: unknown): number {
    switch (typeof v) {
      case "number":
        if (Number.isSafeInteger(v)) {
          if (v >= 0) {
            b[pos] = V_UINT;
            return putUv(b, pos + 1, v);
          }
          b[pos] = V_NINT;
          return putUv(b, pos + 1, -v);
        }
        if (!Number.isFinite(v)) {
          b[pos] = V_NULL;
          return pos + 1;
        }
        b[pos] = V_F64;
        this.f64[0] = v;
        b.set(this.f64Bytes, pos + 1);
        return pos + 9;
      case "string":
        if (v.length > MAX_INTERNED_LENGTH) return -1;
        b[pos] = V_STR;
        return putUv(b, pos + 1, this.intern(v));
      case "boolean":
        b[pos] = v ? V_TRUE : V_FALSE;
        return pos + 1;
      case "undefined":
        b[pos] = V_ABSENT;
        return pos + 1;
      case "object":
        if (v === null) {
          b[pos] = V_NULL;
          return pos + 1;
        }
        return -1;
      default:
        return -1;
    }
  }

  /**
   * Encode a plain object whose values are all primitives at b[pos], using the shape last seen at `hint` when it
   * matches. `end` bounds the room available. Returns the new position, or -1 when v is not flat (the caller then
   * keeps a reference).
   */
  putFlat(b: Uint8Array, pos: number, end: number, v: object, hint: number): number {
    if (Object.getPrototypeOf(v) !== Object.prototype) return -1;
    const start = pos;
    const hinted = this.hints[hint];
    if (hinted !== undefined) {
      const keys = (this.shapes[hinted] as Shape).keys;
      b[pos] = V_FLAT;
      pos = putUv(b, pos + 1, hinted);
      let i = 0;
      let ok = true;
      for (const key in v) {
        if (i >= keys.length || key !== keys[i] || pos + MAX_FIELD_BYTES > end) {
          ok = false;
          break;
        }
        pos = this.putPrimitive(b, pos, (v as Record<string, unknown>)[key]);
        if (pos < 0) return -1;
        i++;
      }
      if (ok && i === keys.length) return pos;
      pos = start;
    }
    // The hinted shape did not fit: find (or make) the object's shape, then encode again.
    const ks = this.keyScratch;
    let n = 0;
    for (const key in v) {
      if (n === MAX_FLAT_KEYS) return -1;
      ks[n++] = key;
    }
    if (pos + 1 + 5 + n * MAX_FIELD_BYTES > end) return -1;
    const shape = this.shapeOf(ks, n);
    this.hints[hint] = shape;
    b[pos] = V_FLAT;
    pos = putUv(b, pos + 1, shape);
    for (let i = 0; i < n; i++) {
      pos = this.putPrimitive(b, pos, (v as Record<string, unknown>)[ks[i] as string]);
      if (pos < 0) return -1;
    }
    return pos;
  }

  private shapeOf(keys: readonly string[], n: number): number {
    let node = this.trie;
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      let next = node.next.get(key);
      if (next === undefined) {
        next = { shape: -1, next: new Map() };
        node.next.set(key, next);
      }
      node = next;
    }
    if (node.shape < 0) {
      const k = keys.slice(0, n);
      node.shape = this.shapes.length;
      this.shapes.push({ keys: k, keyJson: k.map((key) => `${JSON.stringify(key)}:`) });
    }
    return node.shape;
  }

  /** Decode the float stored at b[pos..pos+8). */
  readF64(b: Uint8Array, pos: number): number {
    this.f64Bytes.set(b.subarray(pos, pos + 8));
    return this.f64[0] as number;
  }
}

/** A read position in an encoded block. */
export class Cursor {
  b: Uint8Array = new Uint8Array(0);
  pos = 0;
  /** Next reference of the block's object list. */
  ref = 0;
  refs: readonly unknown[] = [];

  uv(): number {
    const b = this.b;
    let x = b[this.pos++] as number;
    if (x < 0x80) return x;
    let v = x & 0x7f;
    let mul = 128;
    for (;;) {
      x = b[this.pos++] as number;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }

  sv(): number {
    return unzz(this.uv());
  }

  /**
   * The JSON text of the value at the cursor, or undefined for V_ABSENT (the caller decides what absence means:
   * omitted inside an object, `null` for a top-level payload).
   */
  json(t: CodecTables): string | undefined {
    const tag = this.b[this.pos++] as number;
    switch (tag) {
      case V_REF:
        return JSON.stringify(this.refs[this.ref++]);
      case V_NULL:
        return "null";
      case V_TRUE:
        return "true";
      case V_FALSE:
        return "false";
      case V_UINT:
        return String(this.uv());
      case V_NINT:
        return String(-this.uv());
      case V_F64: {
        const v = t.readF64(this.b, this.pos);
        this.pos += 8;
        return String(v);
      }
      case V_STR:
        return t.stringJson[this.uv()] as string;
      case V_FLAT: {
        const shape = t.shapes[this.uv()] as Shape;
        let out = "{";
        for (let i = 0; i < shape.keys.length; i++) {
          const v = this.json(t);
          if (v === undefined) continue;
          out += out.length === 1 ? `${shape.keyJson[i]}${v}` : `,${shape.keyJson[i]}${v}`;
        }
        return `${out}}`;
      }
      case V_ABSENT:
        return undefined;
      default:
        throw new Error(`trace codec: unknown value tag ${tag} at byte ${this.pos - 1}`);
    }
  }
}
