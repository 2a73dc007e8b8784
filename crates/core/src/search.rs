//! Search across study materials (issue 15, 7): what a query is, and the character grams
//! that let a query find a phrase the words of which are apart in the text — 从严治警 finds
//! 从严管党治警, which word segmentation alone never would (it cuts the text into 从严 / 管党
//! / 治警, and the query into 从严 / 治警). The index itself lives in the service; what it
//! needs to agree on is pure and tested here.

use crate::text::TextError;

/// The longest query: a phrase, not a paragraph.
pub const MAX_QUERY: usize = 50;

/// A query as typed: trimmed, its runs of white space made one space, within
/// [`MAX_QUERY`] characters and free of control and format characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let joined = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        crate::text::required(&joined, "要查找的词", MAX_QUERY).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The grams of the query, each once: every one must occur in a document the gram
    /// field matches.
    pub fn grams(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for (start, end) in grams(&self.0) {
            let gram = self.0[start..end].to_lowercase();
            if !seen.contains(&gram) {
                seen.push(gram);
            }
        }
        seen
    }
}

/// Whether `c` is written one character to a word's part: a letter of Han (with the
/// extensions and the compatibility block), kana or Hangul syllables (not their marks).
fn is_ideographic(c: char) -> bool {
    c.is_alphanumeric()
        && matches!(c,
        '\u{3040}'..='\u{30ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{3134f}')
}

/// The byte spans of the grams of `text`: each ideographic character alone, and each run
/// of letters and digits of other scripts (a word, a number, `ASVS`) whole. Punctuation and
/// white space separate grams and are none.
pub fn grams(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut run: Option<usize> = None;
    for (at, c) in text.char_indices() {
        if is_ideographic(c) {
            if let Some(start) = run.take() {
                spans.push((start, at));
            }
            spans.push((at, at + c.len_utf8()));
        } else if c.is_alphanumeric() {
            run.get_or_insert(at);
        } else if let Some(start) = run.take() {
            spans.push((start, at));
        }
    }
    if let Some(start) = run {
        spans.push((start, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<&str> {
        grams(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn han_characters_are_grams_one_by_one() {
        assert_eq!(words("从严治警"), ["从", "严", "治", "警"]);
        assert_eq!(words("𠀀字"), ["𠀀", "字"]);
        assert_eq!(words("ひらがなカ한"), ["ひ", "ら", "が", "な", "カ", "한"]);
    }

    #[test]
    fn other_letters_and_digits_stay_whole_and_punctuation_separates() {
        assert_eq!(
            words("学习ASVS第4.0版，2026年"),
            ["学", "习", "ASVS", "第", "4", "0", "版", "2026", "年"]
        );
        assert_eq!(words("  ，。！ "), Vec::<&str>::new());
        assert_eq!(words("end"), ["end"]);
        assert_eq!(words("a b"), ["a", "b"]);
    }

    #[test]
    fn a_query_is_trimmed_joined_and_bounded() {
        assert_eq!(
            SearchQuery::parse("  从严  治警\n").map(|q| q.0),
            Ok("从严 治警".to_owned())
        );
        assert_eq!(
            SearchQuery::parse(" \t "),
            Err(TextError::Missing("要查找的词"))
        );
        assert!(SearchQuery::parse(&"党".repeat(MAX_QUERY)).is_ok());
        assert_eq!(
            SearchQuery::parse(&"党".repeat(MAX_QUERY + 1)),
            Err(TextError::TooLong {
                label: "要查找的词",
                max: MAX_QUERY
            })
        );
        assert!(SearchQuery::parse("党\u{202e}建").is_err());
    }

    #[test]
    fn the_grams_of_a_query_are_lowercase_and_each_once() {
        let q = SearchQuery::parse("党建 ASVS 党建 asvs").unwrap();
        assert_eq!(q.grams(), ["党", "建", "asvs"]);
    }

    #[test]
    fn the_split_words_of_a_phrase_share_its_grams() {
        let q = SearchQuery::parse("从严治警").unwrap();
        let text = "全面从严管党治警";
        let in_text: Vec<&str> = words(text);
        assert!(q.grams().iter().all(|g| in_text.contains(&g.as_str())));
    }

    proptest! {
        #[test]
        fn spans_are_ordered_disjoint_and_never_hold_a_separator(text in "\\PC{0,40}") {
            let spans = grams(&text);
            let mut last = 0;
            for (s, e) in spans {
                prop_assert!(s >= last && s < e && e <= text.len());
                prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
                let gram = &text[s..e];
                prop_assert!(gram.chars().all(char::is_alphanumeric));
                prop_assert!(gram.chars().count() == 1 || !gram.chars().any(is_ideographic));
                last = e;
            }
        }

        #[test]
        fn every_letter_or_digit_is_in_some_gram(text in "\\PC{0,40}") {
            let spans = grams(&text);
            for (at, c) in text.char_indices() {
                if c.is_alphanumeric() {
                    prop_assert!(spans.iter().any(|&(s, e)| s <= at && at < e));
                }
            }
        }
    }
}
