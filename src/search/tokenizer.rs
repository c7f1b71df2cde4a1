//! The positional character-bigram tokenizer behind Korean search.
//!
//! Korean keywords are often two syllables (창업, 수출, 드론) and no Korean dictionary can be built
//! here, so text is cut into overlapping character bigrams, each at the position of its first
//! character. A character that ends a run of non-space characters is emitted alone. Then:
//! - a query word of n ≥ 2 characters matches exactly where its n−1 bigrams stand at consecutive
//!   positions, i.e. where the word occurs as a substring (a phrase query);
//! - a one-character word matches a token equal to it or a bigram starting with it.
//!
//! Whitespace ends a run but still takes a position, so no phrase spans a space: search has exact
//! substring semantics per query word, with case folded by [`fold`].

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the schema registers this tokenizer under.
pub const NAME: &str = "ko_bigram";

/// Case folding shared by indexing and querying: one char in, one char out, so positions line up.
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// The folded characters of a query word, or of a run of text.
pub fn fold_word(word: &str) -> Vec<char> {
    word.chars().map(fold).collect()
}

/// The terms a word of two or more characters is made of, in order: its bigrams.
pub fn bigrams(chars: &[char]) -> Vec<String> {
    chars.windows(2).map(|pair| pair.iter().collect()).collect()
}

#[derive(Clone, Default)]
pub struct BigramTokenizer {
    tokens: Vec<Token>,
}

pub struct BigramStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream<'a> {
        self.tokens.clear();
        let chars: Vec<(usize, char)> = text.char_indices().map(|(offset, c)| (offset, fold(c))).collect();
        for (position, &(offset, c)) in chars.iter().enumerate() {
            if c.is_whitespace() {
                continue;
            }
            let next = chars.get(position + 1).filter(|(_, n)| !n.is_whitespace());
            let mut token = Token { offset_from: offset, position, position_length: 1, ..Token::default() };
            token.text.push(c);
            match next {
                Some(&(next_offset, n)) => {
                    token.text.push(n);
                    token.offset_to = next_offset + n.len_utf8();
                }
                None => token.offset_to = offset + c.len_utf8(),
            }
            self.tokens.push(token);
        }
        BigramStream { tokens: &mut self.tokens, next: 0 }
    }
}

impl TokenStream for BigramStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = BigramTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn bigrams_carry_the_position_of_their_first_character() {
        assert_eq!(
            tokens("AI 바우처"),
            vec![("ai".into(), 0), ("i".into(), 1), ("바우".into(), 3), ("우처".into(), 4), ("처".into(), 5)]
        );
    }

    #[test]
    fn single_characters_and_runs_of_spaces() {
        assert_eq!(tokens("  앱  "), vec![("앱".into(), 2)]);
        assert_eq!(tokens(""), Vec::<(String, usize)>::new());
    }

    #[test]
    fn query_words_become_their_bigrams() {
        assert_eq!(bigrams(&fold_word("중소기업")), vec!["중소", "소기", "기업"]);
        assert_eq!(bigrams(&fold_word("R&D")), vec!["r&", "&d"]);
    }
}
