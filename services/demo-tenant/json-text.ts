/**
 * Reply bodies as UTF-8 JSON, byte for byte what JSON.stringify writes. Records that never change once built (log
 * entries, risk detections) are serialized and encoded once and their bytes reused: every answer about Karita
 * returns the same story records, and serializing them again was the largest cost of a `$batch`. Only containers
 * marked as holding such records are walked here; everything else goes to JSON.stringify whole.
 */

const unchanging = new WeakSet<object>();
/** A kept record's bytes, or null where JSON.stringify writes nothing for it. */
const encoded = new WeakMap<object, Buffer | null>();
const holders = new WeakSet<object>();

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Marks a record that is never changed from now on, so its JSON can be kept. */
export const keepJson = <T extends object>(record: T): T => {
  unchanging.add(record);
  return record;
};

/** Whether `keepJson` marked it: such a record may be shared, and anything derived from it kept with it. */
export const isKept = (value: object): boolean => unchanging.has(value);

/**
 * Marks a plain object or array (an envelope, a page of records) so `jsonBytes` writes it piece by piece: when one of
 * `parts` is marked already, or kept records make up at least half of them (a page of mostly generated records is
 * cheaper to hand to JSON.stringify whole).
 */
export const holdsKept = <T extends object>(container: T, parts: readonly unknown[]): T => {
  let kept = 0;
  for (const part of parts) {
    if (!isObject(part)) continue;
    if (holders.has(part)) {
      holders.add(container);
      return container;
    }
    if (unchanging.has(part)) kept += 1;
  }
  if (kept > 0 && kept * 2 >= parts.length) holders.add(container);
  return container;
};

const keptBytes = (record: object): Buffer | null => {
  let bytes = encoded.get(record);
  if (bytes === undefined) {
    const text = JSON.stringify(record) as string | undefined;
    bytes = text === undefined ? null : Buffer.from(text, 'utf8');
    encoded.set(record, bytes);
  }
  return bytes;
};

/**
 * Text between kept records is gathered as a string; the bytes are joined once at the end, so no large string is
 * built (a long two-byte string is allocated outside the young generation, and copied at every join).
 */
class Output {
  private readonly pieces: (string | Buffer)[] = [];
  private text = '';

  string(text: string): void {
    this.text += text;
  }

  bytes(bytes: Buffer): void {
    if (this.text) this.pieces.push(this.text);
    this.text = '';
    this.pieces.push(bytes);
  }

  finish(): Buffer {
    if (this.pieces.length === 0) return Buffer.from(this.text, 'utf8');
    if (this.text) this.pieces.push(this.text);
    const sizes = this.pieces.map((piece) =>
      typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length,
    );
    const out = Buffer.allocUnsafe(sizes.reduce((sum, size) => sum + size, 0));
    let offset = 0;
    this.pieces.forEach((piece, i) => {
      if (typeof piece === 'string') out.write(piece, offset, 'utf8');
      else piece.copy(out, offset);
      offset += sizes[i];
    });
    return out;
  }
}

/**
 * Writes `prefix` and the value's JSON, or nothing where JSON.stringify writes nothing for it (an undefined property
 * is left out, an undefined element becomes null); returns whether it wrote.
 */
const write = (value: unknown, out: Output, prefix: string): boolean => {
  if (isObject(value) && unchanging.has(value)) {
    const bytes = keptBytes(value);
    if (!bytes) return false;
    out.string(prefix);
    out.bytes(bytes);
    return true;
  }
  if (!isObject(value) || !holders.has(value)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    out.string(prefix + text);
    return true;
  }
  out.string(prefix);
  if (Array.isArray(value)) {
    out.string('[');
    // Indexed, not iterated: JSON.stringify writes null for holes as well as for undefined.
    for (let i = 0; i < value.length; i += 1) {
      const comma = i > 0 ? ',' : '';
      if (!write(value[i], out, comma)) out.string(`${comma}null`);
    }
    out.string(']');
  } else {
    out.string('{');
    let comma = '';
    for (const key of Object.keys(value)) {
      if (write((value as Record<string, unknown>)[key], out, `${comma}${JSON.stringify(key)}:`)) comma = ',';
    }
    out.string('}');
  }
  return true;
};

/** The UTF-8 bytes of JSON.stringify(body), reusing kept records' bytes; undefined where it writes nothing. */
export const jsonBytes = (body: unknown): Buffer | undefined => {
  const out = new Output();
  return write(body, out, '') ? out.finish() : undefined;
};
