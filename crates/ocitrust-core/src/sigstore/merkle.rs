//! RFC 6962 / RFC 9162 Merkle trees: the leaf hash of a log entry and the check of an inclusion
//! proof (RFC 9162 2.1.3.2) against a root hash.

use crate::crypto::hash_parts;
use crate::digest::Algorithm;
use crate::error::{Error, ErrorCode, Result};

/// `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Vec<u8> {
    hash_parts(Algorithm::Sha256, &[&[0], leaf])
}

fn node_hash(left: &[u8], right: &[u8]) -> Vec<u8> {
    hash_parts(Algorithm::Sha256, &[&[1], left, right])
}

fn broken(message: String) -> Error {
    Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("invalid inclusion proof: {message}"),
    )
}

/// Checks that `proof` leads from the leaf `leaf_hash` at `index` of a tree of `tree_size` leaves
/// to `root`.
pub fn verify_inclusion(index: u64, tree_size: u64, leaf_hash: &[u8], proof: &[Vec<u8>], root: &[u8]) -> Result<()> {
    if index >= tree_size {
        return Err(broken(format!("index {index} is outside a tree of {tree_size}")));
    }
    if proof.iter().any(|h| h.len() != 32) || root.len() != 32 {
        return Err(broken("a hash is not 32 bytes".into()));
    }
    let (mut fn_, mut sn) = (index, tree_size - 1);
    let mut r = leaf_hash.to_vec();
    for p in proof {
        if sn == 0 {
            return Err(broken("the proof is longer than the tree is deep".into()));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(broken("the proof is shorter than the tree is deep".into()));
    }
    if r != root {
        return Err(broken("the computed root hash differs from the proof's".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where RFC 6962 splits a tree of `n` > 1 leaves: the largest power of two below `n`.
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn root(leaves: &[Vec<u8>]) -> Vec<u8> {
        if leaves.len() == 1 {
            return leaves[0].clone();
        }
        let k = split(leaves.len());
        node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
    }

    fn path(leaves: &[Vec<u8>], index: usize) -> Vec<Vec<u8>> {
        if leaves.len() == 1 {
            return vec![];
        }
        let k = split(leaves.len());
        let (mut p, sibling) = if index < k {
            (path(&leaves[..k], index), root(&leaves[k..]))
        } else {
            (path(&leaves[k..], index - k), root(&leaves[..k]))
        };
        p.push(sibling);
        p
    }

    #[test]
    fn every_leaf_of_trees_up_to_33_proves_and_a_flipped_hash_does_not() {
        for size in 1..=33usize {
            let leaves: Vec<Vec<u8>> = (0..size).map(|i| leaf_hash(&[i as u8])).collect();
            let tree_root = root(&leaves);
            for index in 0..size {
                let proof = path(&leaves, index);
                verify_inclusion(index as u64, size as u64, &leaves[index], &proof, &tree_root).unwrap();
                for flipped in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[flipped][0] ^= 1;
                    assert!(verify_inclusion(index as u64, size as u64, &leaves[index], &bad, &tree_root).is_err());
                }
                let other_leaf = leaf_hash(b"another entry");
                assert!(verify_inclusion(index as u64, size as u64, &other_leaf, &proof, &tree_root).is_err());
                let mut longer = proof.clone();
                longer.push(tree_root.clone());
                assert!(verify_inclusion(index as u64, size as u64, &leaves[index], &longer, &tree_root).is_err());
            }
            assert!(verify_inclusion(size as u64, size as u64, &leaves[0], &[], &tree_root).is_err());
        }
    }
}
