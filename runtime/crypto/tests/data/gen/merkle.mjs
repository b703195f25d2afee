// Writes merkle_zk_kit.json: binary Poseidon Merkle trees built by @zk-kit/incremental-merkle-tree
// (the tree of Semaphore groups) with circomlibjs's Poseidon, zero value 0.
// Usage (in a directory where `npm install circomlibjs@0.1.7 @zk-kit/incremental-merkle-tree@1.1.0`
// was run):
//   node merkle.mjs > merkle_zk_kit.json
import { buildPoseidon } from "circomlibjs";
import { IncrementalMerkleTree } from "@zk-kit/incremental-merkle-tree";

const poseidon = await buildPoseidon();
const F = poseidon.F;
const hash = (xs) => F.toObject(poseidon(xs));
const P = BigInt("21888242871839275222246405745257275088548364400416034343698204186575808495617");

// Leaves: leaf i is poseidon([i + 1, 1000 + i]) for the first trees; the last one ends near p.
const trees = [];
for (const [depth, count] of [[1, 2], [4, 11], [16, 5], [20, 7], [32, 3]]) {
  const tree = new IncrementalMerkleTree(hash, depth, BigInt(0), 2);
  const leaves = [];
  for (let i = 0; i < count; i++) {
    const leaf = depth === 32 ? P - 1n - BigInt(i) : hash([BigInt(i + 1), BigInt(1000 + i)]);
    tree.insert(leaf);
    leaves.push(leaf.toString());
  }
  const proofs = [];
  for (const index of [0, count - 1, Math.floor(count / 2)]) {
    const proof = tree.createProof(index);
    if (!tree.verifyProof(proof)) throw new Error("zk-kit rejects its own proof");
    proofs.push({
      index,
      leaf: proof.leaf.toString(),
      siblings: proof.siblings.map((s) => s[0].toString()),
      path_indices: proof.pathIndices,
    });
  }
  trees.push({ depth, leaves, root: tree.root.toString(), proofs });
}
process.stdout.write(
  JSON.stringify({ generator: "@zk-kit/incremental-merkle-tree@1.1.0 + circomlibjs@0.1.7 buildPoseidon()", trees }, null, 2) + "\n",
);
