// Hashes used for content identity (sha256) and for feature hashing (FNV-1a).
import { createHash } from "node:crypto";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** 32-bit FNV-1a over the UTF-16 code units of a string, with a seed. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * A file's content hash, the same whichever line endings a checkout gave it (Git's `autocrlf` on
 * Windows against CI's Linux): "\r\n" hashes as "\n", as the chunker splits lines. A team index
 * built on one answers for the other's files.
 */
export function fileContentHash(bytes: Uint8Array): string {
  let cr = bytes.indexOf(CR);
  if (cr === -1) return sha256Hex(bytes);
  const hash = createHash("sha256");
  let from = 0;
  for (; cr !== -1; cr = bytes.indexOf(CR, cr + 1)) {
    if (bytes[cr + 1] !== LF) continue;
    hash.update(bytes.subarray(from, cr));
    from = cr + 1;
  }
  return hash.update(bytes.subarray(from)).digest("hex");
}
