//! Code vocabularies: token strings (`SYSTEM:VALUE` codes, profile tokens) to ids.
//! Id 0 is padding and id 1 the unknown token in every vocabulary, so an encoder never
//! has to special-case a code the model has not seen.

use rustc_hash::FxHashMap as HashMap;

use crate::Code;

pub const PAD: &str = "[PAD]";
pub const UNK: &str = "[UNK]";
pub const PAD_ID: u32 = 0;
pub const UNK_ID: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("vocabulary `{0}` must start with {PAD} (id 0) and {UNK} (id 1)")]
    MissingSpecials(String),
    #[error("vocabulary `{name}` lists token `{token}` twice")]
    Duplicate { name: String, token: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    name: String,
    tokens: Vec<String>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    /// A vocabulary from tokens in id order; `[PAD]` and `[UNK]` must come first.
    pub fn from_tokens(name: &str, tokens: Vec<String>) -> Result<Self, VocabError> {
        if tokens.first().map(String::as_str) != Some(PAD) || tokens.get(1).map(String::as_str) != Some(UNK) {
            return Err(VocabError::MissingSpecials(name.to_owned()));
        }
        let mut index = HashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        for (i, t) in tokens.iter().enumerate() {
            if index.insert(t.clone(), i as u32).is_some() {
                return Err(VocabError::Duplicate { name: name.to_owned(), token: t.clone() });
            }
        }
        Ok(Vocabulary { name: name.to_owned(), tokens, index })
    }

    /// `[PAD]`, `[UNK]`, then the distinct `items` in sorted order (deterministic).
    pub fn build(name: &str, items: impl IntoIterator<Item = String>) -> Self {
        let mut rest: Vec<String> = items.into_iter().filter(|t| t != PAD && t != UNK).collect();
        rest.sort();
        rest.dedup();
        let tokens: Vec<String> = [PAD.to_owned(), UNK.to_owned()].into_iter().chain(rest).collect();
        let index = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        Vocabulary { name: name.to_owned(), tokens, index }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        self.index.get(token).copied()
    }

    /// The id of `code`'s token (`SYSTEM:VALUE`), built on the stack: the encoder's hot
    /// path, called for every input code of every visit.
    pub fn code_id(&self, code: &Code) -> Option<u32> {
        let (system, value) = (code.system().as_str().as_bytes(), code.value().as_bytes());
        let len = system.len() + 1 + value.len();
        let mut buf = [0u8; 64];
        if len > buf.len() {
            return self.id(&code.to_string());
        }
        buf[..system.len()].copy_from_slice(system);
        buf[system.len()] = b':';
        buf[system.len() + 1..len].copy_from_slice(value);
        // Both parts are valid UTF-8 and ':' is ASCII, so the concatenation is too.
        std::str::from_utf8(&buf[..len]).ok().and_then(|token| self.id(token))
    }

    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.len() <= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_vocabularies_are_sorted_after_the_specials() {
        let v = Vocabulary::build("dx", ["b".to_owned(), "a".to_owned(), "b".to_owned()]);
        assert_eq!(v.tokens(), [PAD, UNK, "a", "b"]);
        assert_eq!(v.id("a"), Some(2));
        assert_eq!(v.id("zzz"), None);
    }

    #[test]
    fn token_lists_without_specials_or_with_duplicates_are_refused() {
        assert!(Vocabulary::from_tokens("x", vec!["a".into()]).is_err());
        let dup = vec![PAD.into(), UNK.into(), "a".into(), "a".into()];
        assert!(matches!(Vocabulary::from_tokens("x", dup), Err(VocabError::Duplicate { .. })));
    }
}
