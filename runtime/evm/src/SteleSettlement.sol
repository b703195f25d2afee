// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// Settlement of one Stele chain on Ethereum: keeps the chain's state root and moves it forward
/// only with a block proof that the chain's verifier contract accepts.
///
/// The contract supplies the proof's public inputs itself, `[chainId, stateRoot, newRoot,
/// txCommitment, 0]`, so a proof made for another chain id, from another root (stale or
/// replayed) or with another key cannot pass.
///
/// Rollup mode: blocks come with their transaction data (the packed transaction fields of
/// docs/state-commitment.md), which the contract hashes into the commitment itself. Validium
/// mode: blocks come with the commitment only.
contract SteleSettlement {
    /// The BN254 scalar field: public inputs and transaction fields are below it.
    uint256 internal constant P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// The verifier contract generated for the chain's verifying key.
    address public immutable verifier;
    /// The chain id the proofs must be for.
    uint256 public immutable chainId;
    /// Whether blocks must carry their transaction data (rollup) or only its commitment.
    bool public immutable rollup;
    /// The length of every proof for the chain's key.
    uint256 public immutable proofLength;

    /// The chain's current state root.
    uint256 public stateRoot;
    /// How many blocks have been accepted.
    uint256 public blockNumber;

    event BlockSubmitted(
        uint256 indexed blockNumber, uint256 prevRoot, uint256 newRoot, uint256 txCommitment
    );

    /// `prevRoot` is not the stored root: the block is stale, replayed or from another fork.
    error StaleRoot(uint256 stored, uint256 prevRoot);
    /// The verifier rejected the proof.
    error InvalidProof();
    /// The proof does not have the key's proof length.
    error BadProofLength(uint256 expected, uint256 found);
    /// A public input or transaction field is not below the field modulus.
    error NotCanonical(uint256 value);
    /// In rollup mode a block must come with its transaction data (`submitBlockWithData`).
    error DataRequired();
    /// The verifier address holds no code.
    error NoVerifier();

    constructor(
        address verifier_,
        uint256 chainId_,
        uint256 genesisRoot,
        bool rollup_,
        uint256 proofLength_
    ) {
        if (verifier_.code.length == 0) revert NoVerifier();
        if (genesisRoot >= P) revert NotCanonical(genesisRoot);
        verifier = verifier_;
        chainId = chainId_;
        rollup = rollup_;
        proofLength = proofLength_;
        stateRoot = genesisRoot;
    }

    /// Validium mode: accepts the block taking the state from `prevRoot` to `newRoot` whose
    /// transactions hash to `txCommitment`.
    function submitBlock(
        uint256 prevRoot,
        uint256 newRoot,
        uint256 txCommitment,
        bytes calldata proof
    ) external {
        if (rollup) revert DataRequired();
        _submit(prevRoot, newRoot, txCommitment, proof);
    }

    /// Rollup mode (allowed in validium mode too): the block's transaction fields in order;
    /// the commitment is computed from them here.
    function submitBlockWithData(
        uint256 prevRoot,
        uint256 newRoot,
        uint256[] calldata txData,
        bytes calldata proof
    ) external {
        _submit(prevRoot, newRoot, commitment(txData), proof);
    }

    /// The transaction commitment of a block's fields: `c = 0`, then `c = poseidon(c, field)`.
    function commitment(uint256[] calldata txData) public pure returns (uint256 c) {
        bytes memory rc = ROUND_CONSTANTS;
        bytes memory mds = MDS;
        for (uint256 i = 0; i < txData.length; i++) {
            uint256 x = txData[i];
            if (x >= P) revert NotCanonical(x);
            c = _poseidon2(c, x, rc, mds);
        }
    }

    function _submit(uint256 prevRoot, uint256 newRoot, uint256 txCommitment, bytes calldata proof)
        internal
    {
        if (prevRoot != stateRoot) revert StaleRoot(stateRoot, prevRoot);
        if (newRoot >= P) revert NotCanonical(newRoot);
        if (txCommitment >= P) revert NotCanonical(txCommitment);
        if (proof.length != proofLength) revert BadProofLength(proofLength, proof.length);
        (bool ok,) = verifier.staticcall(
            abi.encodePacked(chainId, prevRoot, newRoot, txCommitment, uint256(0), proof)
        );
        if (!ok) revert InvalidProof();
        stateRoot = newRoot;
        blockNumber += 1;
        emit BlockSubmitted(blockNumber, prevRoot, newRoot, txCommitment);
    }

    // circomlib's Poseidon of two inputs (width 3): the state starts as [0, a, b]; each round
    // adds its constants, applies x^5 (to every element in full rounds, to the first in partial
    // ones) and multiplies by the MDS matrix; the hash is the first element.
    bytes internal constant ROUND_CONSTANTS = hex"{ROUND_CONSTANTS}";
    bytes internal constant MDS = hex"{MDS}";

    function _poseidon2(uint256 a, uint256 b, bytes memory rc, bytes memory mds)
        internal
        pure
        returns (uint256 out)
    {
        assembly {
            let p := P
            let s0 := 0
            let s1 := a
            let s2 := b
            let k := add(rc, 32)
            let m := add(mds, 32)
            for { let r := 0 } lt(r, {ROUNDS}) { r := add(r, 1) } {
                s0 := addmod(s0, mload(k), p)
                s1 := addmod(s1, mload(add(k, 32)), p)
                s2 := addmod(s2, mload(add(k, 64)), p)
                k := add(k, 96)
                let x := mulmod(s0, s0, p)
                s0 := mulmod(mulmod(x, x, p), s0, p)
                if or(lt(r, {HALF_FULL}), iszero(lt(r, {LAST_PARTIAL}))) {
                    x := mulmod(s1, s1, p)
                    s1 := mulmod(mulmod(x, x, p), s1, p)
                    x := mulmod(s2, s2, p)
                    s2 := mulmod(mulmod(x, x, p), s2, p)
                }
                let t0 := addmod(
                    addmod(mulmod(mload(m), s0, p), mulmod(mload(add(m, 32)), s1, p), p),
                    mulmod(mload(add(m, 64)), s2, p),
                    p
                )
                let t1 := addmod(
                    addmod(mulmod(mload(add(m, 96)), s0, p), mulmod(mload(add(m, 128)), s1, p), p),
                    mulmod(mload(add(m, 160)), s2, p),
                    p
                )
                s2 := addmod(
                    addmod(mulmod(mload(add(m, 192)), s0, p), mulmod(mload(add(m, 224)), s1, p), p),
                    mulmod(mload(add(m, 256)), s2, p),
                    p
                )
                s0 := t0
                s1 := t1
            }
            out := s0
        }
    }
}
