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
export const V_FLAT_HINTED = 10; // a flat object of the shape last written at the same hint: its values only

/** How a shape writes a field's value. */
const F_ANY = 0; // a tagged primitive (putPrimitive)
const F_INT = 1; // an integer: zigzag varint, no tag
const F_STR = 2; // a short string: interned index, no tag
const F_HINT_STR = 3; // the hint's own string (a message's type in its `type` field): nothing at all
/** F_INT integers stay below this in magnitude, so their zigzag form is a safe integer. */
const F_INT_LIMIT = 2 ** 52;

/** The field type a value gets in a new shape; -1 when it cannot be stored flat. */
function fieldType(v: unknown, hintText: string | null): number {
  switch (typeof v) {
    case "number":
      return Number.isSafeInteger(v) && v < F_INT_LIMIT && v > -F_INT_LIMIT ? F_INT : F_ANY;
    case "string":
      if (v === hintText) return F_HINT_STR;
      return v.length <= MAX_INTERNED_LENGTH ? F_STR : -1;
    case "boolean":
    case "undefined":
      return F_ANY;
    case "object":
      return v === null ? F_ANY : -1;
    default:
      return -1;
  }
}

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
  /** How each field's value is written (F_*). */
  readonly types: Uint8Array;
}

interface ShapeTrie {
  shape: number;
  /** By key, then by field type. */
  readonly next: Map<string, (ShapeTrie | undefined)[]>;
}

/** Interned strings and object shapes of one trace. */
export class CodecTables {
  readonly strings: string[] = [];
  /** JSON of each interned string, computed once. */
  readonly stringJson: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /**
   * Two-entry cache of the strings interned last (rows repeat a few message types and timer names, and a
   * request/response protocol alternates two types); empty until the first intern.
   */
  private lastText = "";
  private lastTextIndex = -1;
  private prevText = "";
  private prevTextIndex = -1;

  readonly shapes: Shape[] = [];
  private readonly trie: ShapeTrie = { shape: -1, next: new Map() };
  /** Last shape seen at each hint (a call site, or a message type): usually the next object's shape too. */
  private readonly hints: number[] = [];
  private readonly keyScratch: string[] = [];
  private readonly typeScratch: number[] = [];
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  intern(text: string): number {
    if (text === this.lastText && this.lastTextIndex >= 0) return this.lastTextIndex;
    if (text === this.prevText && this.prevTextIndex >= 0) {
      const i = this.prevTextIndex;
      this.prevText = this.lastText;
      this.prevTextIndex = this.lastTextIndex;
      this.lastText = text;
      this.lastTextIndex = i;
      return i;
    }
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringJson.push(JSON.stringify(text));
      this.stringIndex.set(text, i);
    }
    this.prevText = this.lastText;
    this.prevTextIndex = this.lastTextIndex;
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
   * Encode a plain object whose values are all primitives at b[pos]. `end` bounds the room available. Returns the
   * new position, or -1 when v is not flat (the caller then keeps a reference).
   *
   * An object of the shape last written at the same `hint` (a call site, or a message type) is written as
   * V_FLAT_HINTED and its values alone; any other as V_FLAT, its shape id and its values. A shape types its fields
   * (integer, short string, the hint's own string, anything else) so that typed values need no tag: a
   * `{type: "ping", seq: 1234}` message sent as type "ping" takes a byte for the marker and two for seq. The decoder
   * follows the same hints (Cursor.json), and `resetHints` starts a block afresh so a block decodes on its own.
   */
  putFlat(b: Uint8Array, pos: number, end: number, v: object, hint: number, hintText: string | null = null): number {
    // The hinted case is the hot path (every message of a type after the first in a block): it stays small, so the
    // compiler can inline it into the recorder's row writers and compile it quickly. Anything else goes to newShape.
    const hinted = this.hints[hint];
    if (hinted === undefined || hinted < 0 || Object.getPrototypeOf(v) !== Object.prototype)
      return this.newShape(b, pos, end, v, hint, hintText);
    const shape = this.shapes[hinted] as Shape;
    const keys = shape.keys;
    const types = shape.types;
    if (pos + 1 + keys.length * MAX_FIELD_BYTES > end) return this.newShape(b, pos, end, v, hint, hintText);
    let p = pos + 1;
    let i = 0;
    for (const key in v) {
      if (i >= keys.length || key !== keys[i]) return this.newShape(b, pos, end, v, hint, hintText);
      const x = (v as Record<string, unknown>)[key];
      p = this.putField(b, p, x, types[i] as number, hintText);
      if (p < 0) return this.newShape(b, pos, end, v, hint, hintText);
      i++;
    }
    if (i !== keys.length) return this.newShape(b, pos, end, v, hint, hintText);
    b[pos] = V_FLAT_HINTED;
    return p;
  }

  /**
   * putFlat for an object not of its hint's shape (or of no hint yet): find (or make) its shape, then write it with
   * its shape id. Returns -1 when v is not a flat plain object.
   */
  private newShape(b: Uint8Array, pos: number, end: number, v: object, hint: number, hintText: string | null): number {
    if (Object.getPrototypeOf(v) !== Object.prototype) return -1;
    const ks = this.keyScratch;
    const ts = this.typeScratch;
    let n = 0;
    for (const key in v) {
      if (n === MAX_FLAT_KEYS) return -1;
      const type = fieldType((v as Record<string, unknown>)[key], hintText);
      if (type < 0) return -1;
      ks[n] = key;
      ts[n++] = type;
    }
    if (pos + 1 + 5 + n * MAX_FIELD_BYTES > end) return -1;
    const shape = this.shapeOf(ks, ts, n);
    b[pos] = V_FLAT;
    pos = putUv(b, pos + 1, shape);
    for (let i = 0; i < n; i++) {
      pos = this.putField(b, pos, (v as Record<string, unknown>)[ks[i] as string], ts[i] as number, hintText);
      if (pos < 0) return -1;
    }
    this.hints[hint] = shape; // only once written: the decoder learns the hint from this row
    return pos;
  }

  /** Forget every hint (at the start of a block: its first object of each hint is written with its shape id). */
  resetHints(): void {
    this.hints.length = 0;
  }

  /** Write a field's value as its shape types it; -1 if the value does not have that type. */
  private putField(b: Uint8Array, pos: number, v: unknown, type: number, hintText: string | null): number {
    switch (type) {
      case F_INT:
        return typeof v === "number" && Number.isSafeInteger(v) && v < F_INT_LIMIT && v > -F_INT_LIMIT
          ? putUv(b, pos, zz(v))
          : -1;
      case F_STR:
        return typeof v === "string" && v.length <= MAX_INTERNED_LENGTH ? putUv(b, pos, this.intern(v)) : -1;
      case F_HINT_STR:
        return v === hintText ? pos : -1;
      default:
        return this.putPrimitive(b, pos, v);
    }
  }

  private shapeOf(keys: readonly string[], types: readonly number[], n: number): number {
    let node = this.trie;
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      let byType = node.next.get(key);
      if (byType === undefined) {
        byType = [];
        node.next.set(key, byType);
      }
      const type = types[i] as number;
      let next = byType[type];
      if (next === undefined) {
        next = { shape: -1, next: new Map() };
        byType[type] = next;
      }
      node = next;
    }
    if (node.shape < 0) {
      const k = keys.slice(0, n);
      node.shape = this.shapes.length;
      this.shapes.push({
        keys: k,
        keyJson: k.map((key) => `${JSON.stringify(key)}:`),
        types: Uint8Array.from(types.slice(0, n)),
      });
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

  /** Shape last seen at each hint in this block (mirrors the encoder's hints; reset when entering a block). */
  hints: number[] = [];

  /**
   * The JSON text of the value at the cursor, or undefined for V_ABSENT (the caller decides what absence means:
   * omitted inside an object, `null` for a top-level payload). `hint` and `hintJson` are those the value was
   * written with (see CodecTables.putFlat).
   */
  json(t: CodecTables, hint = -1, hintJson = "null"): string | undefined {
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
        const shape = this.uv();
        if (hint >= 0) this.hints[hint] = shape;
        return this.fields(t, t.shapes[shape] as Shape, hintJson);
      }
      case V_FLAT_HINTED:
        return this.fields(t, t.shapes[this.hints[hint] as number] as Shape, hintJson);
      case V_ABSENT:
        return undefined;
      default:
        throw new Error(`trace codec: unknown value tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  private fields(t: CodecTables, shape: Shape, hintJson: string): string {
    let out = "{";
    for (let i = 0; i < shape.keys.length; i++) {
      let v: string | undefined;
      switch (shape.types[i]) {
        case F_INT:
          v = String(unzz(this.uv()));
          break;
        case F_STR:
          v = t.stringJson[this.uv()] as string;
          break;
        case F_HINT_STR:
          v = hintJson;
          break;
        default:
          v = this.json(t);
      }
      if (v === undefined) continue;
      out += out.length === 1 ? `${shape.keyJson[i]}${v}` : `,${shape.keyJson[i]}${v}`;
    }
    return `${out}}`;
  }
}
