//! The deterministic train/validation split: a molecule belongs to the validation set when the
//! 64-bit FNV-1a hash of its canonical SMILES (UTF-8 bytes) is divisible by 20 — 5 % of
//! molecules, the same on every machine, in every run and for every order of the data.

/// Every `VALIDATION_MODULUS`-th hash bucket is validation: 1/20 = 5 %.
pub const VALIDATION_MODULUS: u64 = 20;

/// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// True when the molecule with this canonical SMILES belongs to the validation split.
pub fn is_validation(canonical_smiles: &str) -> bool {
    fnv1a64(canonical_smiles.as_bytes()) % VALIDATION_MODULUS == 0
}

/// Indices of `canonical_smiles` in the training and validation splits, each in input order.
pub fn split_indices(canonical_smiles: &[String]) -> (Vec<usize>, Vec<usize>) {
    (0..canonical_smiles.len()).partition(|&i| !is_validation(&canonical_smiles[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn split_is_about_five_percent_and_order_free() {
        let smiles: Vec<String> = (0..10_000).map(|i| format!("C{i}")).collect();
        let (train, validation) = split_indices(&smiles);
        assert_eq!(train.len() + validation.len(), smiles.len());
        assert!(
            (400..600).contains(&validation.len()),
            "{}",
            validation.len()
        );
        let reversed: Vec<String> = smiles.iter().rev().cloned().collect();
        let (_, validation_reversed) = split_indices(&reversed);
        assert_eq!(validation.len(), validation_reversed.len());
        assert!(validation.iter().all(|&i| is_validation(&smiles[i])));
    }
}
