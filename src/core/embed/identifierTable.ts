// The builtin embedder's identifiers, found in a text without cutting each occurrence out of it.
// A scan of the text's characters finds the runs util/text's `identifiers` finds and hashes each
// as it goes; an open-addressing table finds the run's entry by that hash and its characters. Only
// an identifier seen for the first time becomes a string of its own. (Slicing every occurrence out
// and looking it up in a Map was most of the embedder's time per chunk, and most of its garbage.)

// What a character does in an identifier: nothing, begins or continues one (letters, `_`, `$`), or is a digit.
const NONE = 0;
const WORD = 1;
const DIGIT = 2;
const KINDS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  KINDS[c] = /[0-9]/.test(ch) ? DIGIT : /[A-Za-z_$]/.test(ch) ? WORD : NONE;
}

/** The kind of a UTF-16 code unit (only ASCII takes part in identifiers). */
function kindOf(code: number): number {
  return code < 128 ? KINDS[code] : NONE;
}

/** Where the next identifier of `text` at or after `from` begins; -1 when there is none. */
export function nextIdentifier(text: string, from: number): number {
  for (let i = from; i < text.length; i++) if (kindOf(text.charCodeAt(i)) !== NONE) return i;
  return -1;
}

/**
 * The end of the identifier that begins at `start`, as util/text's `identifiers` cuts it: a
 * letter, `_` or `$` and the letters, digits, `_` and `$` after it, or a run of digits alone
 * (`2to3` is `2` and `to3`).
 */
export function identifierEnd(text: string, start: number): number {
  const n = text.length;
  let i = start + 1;
  if (kindOf(text.charCodeAt(start)) === DIGIT) {
    while (i < n && kindOf(text.charCodeAt(i)) === DIGIT) i++;
  } else {
    while (i < n && kindOf(text.charCodeAt(i)) !== NONE) i++;
  }
  return i;
}

/** FNV-1a over the code units of text[start, end). */
export function hashRange(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

export interface KeyedEntry {
  readonly id: string;
  readonly hash: number;
}

/** Entries by identifier, looked up by a range of a text and its hash. */
export class IdentifierTable<E extends KeyedEntry> {
  /** Each slot holds an entry's index + 1, or 0 when empty; never more than half full. */
  private slots = new Int32Array(1024);
  private readonly entries: E[] = [];

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.slots.fill(0);
    this.entries.length = 0;
  }

  /** The entry whose identifier is text[start, end), which hashes to `hash`. */
  find(text: string, start: number, end: number, hash: number): E | undefined {
    const mask = this.slots.length - 1;
    const length = end - start;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i];
      if (slot === 0) return undefined;
      const entry = this.entries[slot - 1];
      if (entry.hash === hash && entry.id.length === length && sameText(entry.id, text, start)) return entry;
    }
  }

  /** Adds an entry whose identifier is not in the table yet. */
  add(entry: E): void {
    this.entries.push(entry);
    if (this.entries.length * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      this.entries.forEach((e, i) => this.place(e.hash, i + 1));
    } else {
      this.place(entry.hash, this.entries.length);
    }
  }

  private place(hash: number, slot: number): void {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = slot;
  }
}

function sameText(id: string, text: string, start: number): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
