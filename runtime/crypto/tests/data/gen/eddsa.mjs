// Writes eddsa_circomlibjs.json: EdDSA-Poseidon keys and signatures made by circomlibjs.
// Usage (in a directory where `npm install circomlibjs@0.1.7` was run):
//   node eddsa.mjs > eddsa_circomlibjs.json
import { buildEddsa, buildBabyjub, buildPoseidon } from "circomlibjs";

const eddsa = await buildEddsa();
const babyJub = await buildBabyjub();
const F = babyJub.F;
const dec = (x) => F.toObject(x).toString();
const point = (p) => ({ x: dec(p[0]), y: dec(p[1]) });
const P = BigInt("21888242871839275222246405745257275088548364400416034343698204186575808495617");

// Private keys: 32 bytes, byte j of key i is (i * 37 + j * 11 + 5) mod 256.
const keyBytes = (i) => Buffer.from(Array.from({ length: 32 }, (_, j) => (i * 37 + j * 11 + 5) % 256));
const messages = [
  0n, 1n, 2n, 1234567890n, (1n << 64n) - 1n, (1n << 128n) + 7n, (1n << 252n) + 3n, P - 1n,
  BigInt("7853200120776062878684798364095072458815029376092732009249414926327459813530"),
];

const valid = [];
for (let i = 0; i < 8; i++) {
  const prv = keyBytes(i);
  const pub = eddsa.prv2pub(prv);
  for (let m = 0; m < 2; m++) {
    const msg = messages[(i * 2 + m) % messages.length];
    const sig = eddsa.signPoseidon(prv, F.e(msg));
    if (!eddsa.verifyPoseidon(F.e(msg), sig, pub)) throw new Error("circomlibjs rejects its own signature");
    valid.push({
      private_key: prv.toString("hex"),
      public_key: point(pub),
      msg: msg.toString(),
      signature: { r8: point(sig.R8), s: sig.S.toString() },
    });
  }
}

// Negative cases: a valid signature with one part changed. `circomlibjs` is what
// eddsa.verifyPoseidon answers; every case must be rejected by a careful verifier.
const l = babyJub.subOrder;
const negative = [];
const base = valid[0];
const sigOf = (v) => ({ R8: [F.e(BigInt(v.signature.r8.x)), F.e(BigInt(v.signature.r8.y))], S: BigInt(v.signature.s) });
const pubOf = (v) => [F.e(BigInt(v.public_key.x)), F.e(BigInt(v.public_key.y))];
const add = (name, v) => {
  const ok = eddsa.verifyPoseidon(F.e(BigInt(v.msg)), sigOf(v), pubOf(v));
  negative.push({ name, public_key: v.public_key, msg: v.msg, signature: v.signature, circomlibjs: ok });
};
const clone = (v) => JSON.parse(JSON.stringify(v));
{ const v = clone(base); v.msg = (BigInt(v.msg) + 1n).toString(); add("message + 1", v); }
{ const v = clone(base); v.public_key = valid[2].public_key; add("another key", v); }
{ const v = clone(base); v.signature.s = ((BigInt(v.signature.s) + 1n) % l).toString(); add("S + 1", v); }
{ const v = clone(base); v.signature.s = (BigInt(v.signature.s) + l).toString(); add("S + l (not canonical)", v); }
{ const v = clone(base); v.signature.r8 = valid[2].signature.r8; add("another R8", v); }
{ const v = clone(base); v.signature.r8 = { x: v.signature.r8.x, y: (BigInt(v.signature.r8.y) + 1n).toString() }; add("R8 off the curve", v); }
{ const v = clone(base); v.public_key = { x: v.public_key.x, y: (BigInt(v.public_key.y) + 1n).toString() }; add("public key off the curve", v); }
{ const v = clone(base); v.signature.r8 = { x: ((P - BigInt(v.signature.r8.x)) % P).toString(), y: v.signature.r8.y }; add("R8 negated", v); }
// A small-order public key (the identity, and the point of order 2): with 8·A = 0 the
// equation S·B8 = R8 + 8·h·A holds for R8 = S·B8 and any message, so circomlibjs accepts.
for (const [name, A] of [["identity public key", [F.e(0n), F.e(1n)]], ["order-2 public key", [F.e(0n), F.e(P - 1n)]]]) {
  const S = 12345n;
  const R8 = babyJub.mulPointEscalar(babyJub.Base8, S);
  const v = { public_key: point(A), msg: "42", signature: { r8: point(R8), s: S.toString() } };
  add(name, v);
}
// R8 with a torsion component: R8' = R8 + T (T of order 2); the uncofactored equation fails.
{
  const v = clone(base);
  const R8 = [F.e(BigInt(v.signature.r8.x)), F.e(BigInt(v.signature.r8.y))];
  const T = [F.e(0n), F.e(P - 1n)];
  v.signature.r8 = point(babyJub.addPoint(R8, T));
  add("R8 plus a point of order 2", v);
}

// Transfers of the `token` example, signed by the keys of `valid[2*(i-1)]` for account i: the
// message is poseidon([from, to, amount, fee, nonce]).
const poseidon = await buildPoseidon();
const transfers = [];
for (const [from, to, amount, fee, nonce] of [[1, 2, 30, 1, 0], [2, 3, 10, 0, 0], [1, 3, 5, 2, 1], [3, 1, 7, 1, 0]]) {
  const prv = keyBytes(from - 1);
  const msg = poseidon([from, to, amount, fee, nonce].map((n) => BigInt(n)));
  const sig = eddsa.signPoseidon(prv, msg);
  if (!eddsa.verifyPoseidon(msg, sig, eddsa.prv2pub(prv))) throw new Error("transfer signature");
  transfers.push({
    from, to, amount, fee, nonce,
    private_key: prv.toString("hex"),
    public_key: point(eddsa.prv2pub(prv)),
    msg: dec(msg),
    signature: { r8: point(sig.R8), s: sig.S.toString() },
  });
}

console.log(JSON.stringify({
  generator: "circomlibjs 0.1.7 (buildEddsa: prv2pub, signPoseidon, verifyPoseidon)",
  valid,
  negative,
  token_transfers: transfers,
}, null, 2));
