//! SMILES tokenisation with the regular expression of the paper (after Schwaller et al.):
//! bracket atoms, `Br`, `Cl`, the organic subset (aliphatic and aromatic), bonds, ring-closure
//! digits, `%nn`, branches, dots and the rest of SMILES punctuation. A [`Vocabulary`] maps
//! tokens to ids, with `<pad>` = 0, `[CLS]` = 1 and `[EOS]` = 2.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

/// The model's block size: `[CLS]` + at most 22 SMILES tokens + `[EOS]` (design.md §5).
pub const BLOCK_SIZE: usize = 24;
/// Padding token (id 0; ignored by the loss).
pub const PAD: &str = "<pad>";
/// Start-of-sequence token (id 1).
pub const CLS: &str = "[CLS]";
/// End-of-sequence token (id 2).
pub const EOS: &str = "[EOS]";
/// Id of [`PAD`].
pub const PAD_ID: u32 = 0;
/// Id of [`CLS`].
pub const CLS_ID: u32 = 1;
/// Id of [`EOS`].
pub const EOS_ID: u32 = 2;

/// The paper's SMILES regex: one alternative per token class.
pub const SMILES_REGEX: &str = r"(\[[^\]]+\]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])";

static TOKEN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SMILES_REGEX).expect("the SMILES regex compiles"));

/// Why a SMILES string cannot be tokenised or encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Text that no token pattern matches.
    #[error("cannot tokenise `{text}` at byte {offset} of SMILES `{smiles}`")]
    Untokenizable {
        /// The unmatched text.
        text: String,
        /// Its byte offset.
        offset: usize,
        /// The whole SMILES.
        smiles: String,
    },
    /// A token missing from the vocabulary.
    #[error("unknown token `{token}` in SMILES `{smiles}`")]
    UnknownToken {
        /// The token.
        token: String,
        /// The whole SMILES.
        smiles: String,
    },
    /// More tokens than the block holds.
    #[error("SMILES `{smiles}` has {tokens} tokens; a block of {block_size} holds at most {}", block_size - 2)]
    TooLong {
        /// The SMILES.
        smiles: String,
        /// Its number of tokens.
        tokens: usize,
        /// The block size.
        block_size: usize,
    },
    /// An id outside the vocabulary.
    #[error("token id {0} is outside the vocabulary")]
    UnknownId(u32),
}

/// Splits `smiles` into tokens; every character must belong to a token.
pub fn tokenize(smiles: &str) -> Result<Vec<&str>, TokenError> {
    let mut tokens = Vec::new();
    let mut end = 0;
    for found in TOKEN_RE.find_iter(smiles) {
        if found.start() != end {
            return Err(untokenizable(smiles, end, found.start()));
        }
        tokens.push(found.as_str());
        end = found.end();
    }
    if end != smiles.len() {
        return Err(untokenizable(smiles, end, smiles.len()));
    }
    Ok(tokens)
}

fn untokenizable(smiles: &str, start: usize, end: usize) -> TokenError {
    TokenError::Untokenizable {
        text: smiles[start..end].to_string(),
        offset: start,
        smiles: smiles.to_string(),
    }
}

/// Token ↔ id mapping. Serialises as the list of tokens in id order, so checkpoints can store
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    /// The vocabulary of a corpus: the three special tokens, then every token of `smiles` in
    /// sorted order (so the same corpus always gives the same ids).
    pub fn from_corpus<'a>(
        smiles: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vocabulary, TokenError> {
        let mut seen = BTreeSet::new();
        for s in smiles {
            seen.extend(tokenize(s)?);
        }
        let tokens = [PAD, CLS, EOS]
            .into_iter()
            .chain(seen)
            .map(String::from)
            .collect::<Vec<_>>();
        Ok(Vocabulary::try_from(tokens).expect("corpus tokens are distinct from the specials"))
    }

    /// Number of tokens, specials included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the vocabulary holds no tokens (never, for one built by this module).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Tokens in id order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The id of `token`, if present.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The ids of the tokens of `smiles`, without special tokens.
    pub fn encode(&self, smiles: &str) -> Result<Vec<u32>, TokenError> {
        tokenize(smiles)?
            .into_iter()
            .map(|token| {
                self.id(token).ok_or_else(|| TokenError::UnknownToken {
                    token: token.to_string(),
                    smiles: smiles.to_string(),
                })
            })
            .collect()
    }

    /// A model input block: `[CLS]`, the tokens, `[EOS]`, then `<pad>` up to `block_size`.
    pub fn encode_block(&self, smiles: &str, block_size: usize) -> Result<Vec<u32>, TokenError> {
        let ids = self.encode(smiles)?;
        if ids.len() + 2 > block_size {
            return Err(TokenError::TooLong {
                smiles: smiles.to_string(),
                tokens: ids.len(),
                block_size,
            });
        }
        let mut block = Vec::with_capacity(block_size);
        block.push(CLS_ID);
        block.extend(ids);
        block.push(EOS_ID);
        block.resize(block_size, PAD_ID);
        Ok(block)
    }

    /// The SMILES spelled by `ids`: `[CLS]` and `<pad>` are skipped and decoding stops at the
    /// first `[EOS]`.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenError> {
        let mut smiles = String::new();
        for &id in ids {
            let token = self
                .tokens
                .get(id as usize)
                .ok_or(TokenError::UnknownId(id))?;
            match id {
                EOS_ID => break,
                PAD_ID | CLS_ID => {}
                _ => smiles.push_str(token),
            }
        }
        Ok(smiles)
    }
}

impl TryFrom<Vec<String>> for Vocabulary {
    type Error = String;

    /// Rebuilds a vocabulary from its token list; the specials must come first, in order,
    /// and tokens must be distinct.
    fn try_from(tokens: Vec<String>) -> Result<Self, String> {
        if tokens.len() < 3 || tokens[0] != PAD || tokens[1] != CLS || tokens[2] != EOS {
            return Err(format!(
                "a vocabulary starts with `{PAD}`, `{CLS}`, `{EOS}`"
            ));
        }
        let mut ids = HashMap::with_capacity(tokens.len());
        for (id, token) in tokens.iter().enumerate() {
            if ids.insert(token.clone(), id as u32).is_some() {
                return Err(format!("token `{token}` appears twice in the vocabulary"));
            }
        }
        Ok(Vocabulary { tokens, ids })
    }
}

impl From<Vocabulary> for Vec<String> {
    fn from(vocabulary: Vocabulary) -> Self {
        vocabulary.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multi_character_tokens() {
        assert_eq!(
            tokenize("C[C@@H](Cl)c1ccccc1Br").unwrap(),
            [
                "C", "[C@@H]", "(", "Cl", ")", "c", "1", "c", "c", "c", "c", "c", "1", "Br"
            ]
        );
        assert_eq!(
            tokenize("C%12CC%12").unwrap(),
            ["C", "%12", "C", "C", "%12"]
        );
        assert_eq!(tokenize("[NH3+]CC([O-])=O").unwrap().len(), 8);
        assert_eq!(tokenize("").unwrap(), Vec::<&str>::new());
    }

    #[test]
    fn untokenizable_text_is_named() {
        let error = tokenize("CCXC").unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot tokenise `X` at byte 2 of SMILES `CCXC`"
        );
        assert!(matches!(
            tokenize("C["),
            Err(TokenError::Untokenizable { .. })
        ));
    }

    #[test]
    fn encodes_decodes_and_rejects_unknown_tokens() {
        let vocabulary = Vocabulary::from_corpus(["CCO", "c1ccccc1"]).unwrap();
        assert_eq!(
            vocabulary.tokens(),
            ["<pad>", "[CLS]", "[EOS]", "1", "C", "O", "c"]
        );
        let block = vocabulary.encode_block("CCO", 8).unwrap();
        assert_eq!(block, [1, 4, 4, 5, 2, 0, 0, 0]);
        assert_eq!(vocabulary.decode(&block).unwrap(), "CCO");
        assert_eq!(vocabulary.decode(&[1, 4, 2, 4]).unwrap(), "C");
        assert_eq!(vocabulary.decode(&[99]), Err(TokenError::UnknownId(99)));
        assert_eq!(
            vocabulary.encode("CN").unwrap_err().to_string(),
            "unknown token `N` in SMILES `CN`"
        );
        assert!(matches!(
            vocabulary.encode_block("CCCCCCC", 8),
            Err(TokenError::TooLong { tokens: 7, .. })
        ));
    }

    #[test]
    fn serialises_as_a_token_list() {
        let vocabulary = Vocabulary::from_corpus(["C#N"]).unwrap();
        let json = serde_json::to_string(&vocabulary).unwrap();
        assert_eq!(json, r##"["<pad>","[CLS]","[EOS]","#","C","N"]"##);
        let back: Vocabulary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, vocabulary);
        assert!(serde_json::from_str::<Vocabulary>(r#"["C","N"]"#).is_err());
        assert!(
            serde_json::from_str::<Vocabulary>(r#"["<pad>","[CLS]","[EOS]","C","C"]"#).is_err()
        );
    }
}
