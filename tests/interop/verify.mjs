// verify.mjs — what client.mjs checks of the server's proofs, written from
// the public specifications only (no cauris code): C2SP signed notes and
// tlog checkpoints with Ed25519 keys, RFC 6962 / RFC 9162 leaf hashes,
// inclusion and consistency proofs. Each function throws an AssertionError
// saying what does not hold.
import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";

export const sha256 = (...parts) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hashChildren = (l, r) => sha256(Uint8Array.of(1), l, r);
const hex = (b) => Buffer.from(b).toString("hex");

export function assertBytesEqual(a, b, what) {
  assert.equal(hex(a), hex(b), what);
}

// A checkpoint (C2SP tlog-checkpoint in a signed note): origin, tree size
// and root hash lines, extension lines, a blank line, signature lines.
export function parseCheckpoint(text) {
  assert.equal(typeof text, "string", "checkpoint is text");
  const cut = text.indexOf("\n\n");
  assert.ok(cut > 0, `checkpoint has no blank line before its signatures: ${JSON.stringify(text)}`);
  const body = text.slice(0, cut + 1);
  const lines = body.split("\n").slice(0, -1);
  const sigs = text
    .slice(cut + 2)
    .split("\n")
    .filter((l) => l !== "");
  assert.ok(lines.length >= 3, "checkpoint body has origin, size and root lines");
  assert.ok(lines[0].length > 0, "checkpoint origin line");
  assert.match(lines[1], /^[0-9]+$/, "checkpoint tree size line");
  const root = Buffer.from(lines[2], "base64");
  assert.equal(root.length, 32, "checkpoint root hash is 32 bytes");
  assert.ok(text.endsWith("\n"), "checkpoint ends with a newline");
  assert.ok(sigs.length >= 1, "checkpoint has a signature line");
  for (const s of sigs) assert.match(s, /^\u2014 \S+ \S+$/, "signature line '\u2014 name base64'");
  return { origin: lines[0], size: BigInt(lines[1]), root: new Uint8Array(root), body, sigs };
}

// Verifies the note's signature by the verifier key "name+hexid+base64"
// (key = 0x01 ‖ Ed25519 public key; id = SHA-256(name ‖ "\n" ‖ key)[:4];
// signature line "— name base64(id ‖ signature of the body)").
export function verifyNoteSignature(cp, vkey) {
  // The name holds no '+'; the base64 key may.
  const [name, idHex] = vkey.split("+", 2);
  const keyB64 = vkey.slice(name.length + 1 + (idHex || "").length + 1);
  assert.ok(name && idHex && keyB64, `verifier key name+hexid+base64: ${vkey}`);
  const key = Buffer.from(keyB64, "base64");
  assert.equal(key.length, 33, "verifier key: algorithm byte + 32-byte Ed25519 key");
  assert.equal(key[0], 1, "verifier key algorithm is Ed25519 (1)");
  const id = Buffer.from(sha256(Buffer.from(name + "\n"), key).subarray(0, 4));
  assert.equal(id.toString("hex"), idHex, "verifier key id = SHA-256(name \\n key)[:4]");
  const pub = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: key.subarray(1).toString("base64url") },
    format: "jwk",
  });
  const mine = cp.sigs.filter((s) => {
    const [, n, b] = s.split(" ");
    return n === name && Buffer.from(b, "base64").subarray(0, 4).equals(id);
  });
  assert.equal(mine.length, 1, "the note carries one signature by the verifier key");
  const sig = Buffer.from(mine[0].split(" ")[2], "base64").subarray(4);
  assert.equal(sig.length, 64, "Ed25519 signature length");
  assert.ok(verify(null, Buffer.from(cp.body), pub, sig), "the note's signature verifies");
}

// RFC 9162 §2.1.3.2: the root of the tree of `size` leaves computed from a
// leaf's index, its hash and its inclusion proof (bigints, Uint8Arrays).
export function rootFromInclusionProof(index, size, leafHash, proof) {
  assert.ok(index < size, "leaf index inside the tree");
  let fn = index;
  let sn = size - 1n;
  let r = leafHash;
  for (const p of proof) {
    assert.equal(p.length, 32, "proof hash is 32 bytes");
    assert.ok(sn !== 0n, "inclusion proof longer than the tree");
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  assert.equal(sn, 0n, "inclusion proof shorter than the tree");
  return r;
}

// RFC 9162 §2.1.4.2: checks a consistency proof between the trees of
// `first` and `second` leaves with these roots.
export function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first === second) {
    assert.equal(proof.length, 0, "no proof between equal sizes");
    assertBytesEqual(firstRoot, secondRoot, "equal sizes, equal roots");
    return;
  }
  assert.ok(first > 0n && first < second, "0 < old size < new size");
  assert.ok(proof.length > 0, "consistency proof is not empty");
  for (const c of proof) assert.equal(c.length, 32, "proof hash is 32 bytes");
  let path = proof.slice();
  if ((first & (first - 1n)) === 0n) path = [firstRoot, ...path];
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    assert.ok(sn !== 0n, "consistency proof too long");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  assert.equal(sn, 0n, "consistency proof too short");
  assertBytesEqual(fr, firstRoot, "the proof gives the old root");
  assertBytesEqual(sr, secondRoot, "the proof gives the new root");
}
