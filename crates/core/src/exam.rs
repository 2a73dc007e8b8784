//! Exams of the study area (学习教育 · 考试, issue 15, 5): the four kinds of question and what
//! makes one well formed, how an answer is read and graded, how a paper is drawn by rule, how
//! a sitting's order is shuffled (and its letters mapped back), the server-side clock of a
//! sitting and the retake rule. No ranking: a result is the member's own.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::field::FieldErrors;

labelled_enum! {
    /// A kind of question.
    pub enum QuestionKind {
        Single = ("single", "单选题"),
        Multiple = ("multiple", "多选题"),
        Judge = ("judge", "判断题"),
        Blank = ("blank", "填空题"),
    }
}

/// The most options a choice question has (A–H).
pub const MAX_OPTIONS: usize = 8;
const LETTERS: &[u8] = b"ABCDEFGH";

/// A question as it is kept: its options (choice questions) and its key — the letters of the
/// right options (`B`, `ACD`), `对` or `错`, or the accepted answers of a blank separated by
/// `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub key: String,
}

/// The letter of option `i` (from zero).
pub fn letter(i: usize) -> char {
    LETTERS.get(i).map_or('?', |b| *b as char)
}

fn letters_of(raw: &str) -> Option<BTreeSet<usize>> {
    let mut set = BTreeSet::new();
    for c in raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '、'))
    {
        let i = LETTERS
            .iter()
            .position(|b| *b as char == c.to_ascii_uppercase())?;
        if !set.insert(i) {
            return None;
        }
    }
    Some(set)
}

/// 对/错 as typed (also √/×, 正确/错误, T/F).
fn judgement(raw: &str) -> Option<bool> {
    match raw.trim() {
        "对" | "正确" | "√" | "T" | "t" | "true" | "是" => Some(true),
        "错" | "错误" | "×" | "F" | "f" | "false" | "否" => Some(false),
        _ => None,
    }
}

/// A blank's answer as compared: full-width letters and digits made half-width, spaces and
/// punctuation around it dropped, Latin letters in lower case.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && !matches!(c, '。' | '.' | '，' | ',' | '“' | '”' | '"'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Question {
    /// A question from what was typed or imported, or the refusals by field (`stem`,
    /// `options`, `key`). The key is kept in its plain form (`ACD`, `对`).
    pub fn parse(
        kind: QuestionKind,
        stem: &str,
        options: &[String],
        key: &str,
    ) -> Result<Question, FieldErrors> {
        let mut e = FieldErrors::new();
        let stem = stem.trim();
        if stem.is_empty() {
            e.add("stem", "请填写题干");
        } else if stem.chars().count() > 1000 {
            e.add("stem", "题干不能超过1000字");
        }
        let options: Vec<String> = options
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        let key = key.trim();
        let choice = matches!(kind, QuestionKind::Single | QuestionKind::Multiple);
        if choice && !(2..=MAX_OPTIONS).contains(&options.len()) {
            e.add("options", format!("选择题须有2至{MAX_OPTIONS}个选项"));
        }
        if !choice && !options.is_empty() {
            e.add("options", format!("{}没有选项", kind.label()));
        }
        if options.iter().any(|o| o.chars().count() > 200) {
            e.add("options", "每个选项不能超过200字");
        }
        let unique: BTreeSet<&String> = options.iter().collect();
        if unique.len() < options.len() {
            e.add("options", "选项不能重复");
        }
        let key = match kind {
            QuestionKind::Single | QuestionKind::Multiple => match letters_of(key) {
                Some(set) if set.iter().any(|i| *i >= options.len()) => {
                    e.add("key", "答案中的选项不存在");
                    String::new()
                }
                Some(set) if kind == QuestionKind::Single && set.len() != 1 => {
                    e.add("key", "单选题的答案是一个选项，如 B");
                    String::new()
                }
                Some(set) if kind == QuestionKind::Multiple && set.len() < 2 => {
                    e.add("key", "多选题的答案至少两个选项，如 ACD");
                    String::new()
                }
                Some(set) => set.iter().map(|i| letter(*i)).collect(),
                None => {
                    e.add("key", "答案须为选项字母，如 B 或 ACD");
                    String::new()
                }
            },
            QuestionKind::Judge => match judgement(key) {
                Some(true) => "对".to_owned(),
                Some(false) => "错".to_owned(),
                None => {
                    e.add("key", "判断题的答案为“对”或“错”");
                    String::new()
                }
            },
            QuestionKind::Blank => {
                let accepted: Vec<&str> = key
                    .split(['|', '｜'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .collect();
                if accepted.is_empty() {
                    e.add("key", "请填写答案；几种说法都算对的用 | 分隔");
                }
                accepted.join("|")
            }
        };
        e.into_result(Question {
            kind,
            stem: stem.to_owned(),
            options,
            key,
        })
    }

    /// Whether `given` — in the letters of the options as the sitting showed them, mapped
    /// back through `shown` (shown position → original option) — is right. A multiple choice
    /// is right only when exactly the right options are chosen.
    pub fn is_right(&self, given: &str, shown: &[usize]) -> bool {
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                let Some(chosen) = letters_of(given) else {
                    return false;
                };
                let original: Option<BTreeSet<usize>> =
                    chosen.iter().map(|i| shown.get(*i).copied()).collect();
                let key = letters_of(&self.key).unwrap_or_default();
                !chosen.is_empty() && original == Some(key)
            }
            QuestionKind::Judge => judgement(given)
                .zip(judgement(&self.key))
                .is_some_and(|(a, b)| a == b),
            QuestionKind::Blank => {
                let given = normalise(given);
                !given.is_empty() && self.key.split('|').any(|a| normalise(a) == given)
            }
        }
    }
}

/// A permutation of `0..n` from a seed (Fisher–Yates on a small PRNG): a sitting's order,
/// the same every time it is shown, different from sitting to sitting.
pub fn shuffle(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let j = (r % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// The score of a sitting as a share of the paper's points, and whether it passes.
pub fn passes(score: u32, total: u32, pass_percent: u32) -> bool {
    total > 0 && u64::from(score) * 100 >= u64::from(total) * u64::from(pass_percent)
}

/// Where a sitting stands on the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SittingClock {
    /// Answers may be saved for this many more seconds.
    Running { seconds_left: i64 },
    /// The time is up: the answers saved by the deadline are graded.
    Over,
}

/// The clock of a sitting that must be handed in by `deadline`, at `now`.
pub fn sitting_clock(deadline: DateTime<Utc>, now: DateTime<Utc>) -> SittingClock {
    let left = (deadline - now).num_seconds();
    if left > 0 {
        SittingClock::Running { seconds_left: left }
    } else {
        SittingClock::Over
    }
}

/// Why another sitting may not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RetakeRefused {
    #[error("已经通过本次考试")]
    Passed,
    #[error("已考满{0}次")]
    Used(u32),
}

/// Whether a member who sat `sat` times (passing or not) may start another of at most
/// `max_attempts`. Passing ends the exam for them: a retake is to pass, not to rank.
pub fn may_retake(sat: u32, passed: bool, max_attempts: u32) -> Result<(), RetakeRefused> {
    if passed {
        Err(RetakeRefused::Passed)
    } else if sat >= max_attempts {
        Err(RetakeRefused::Used(max_attempts))
    } else {
        Ok(())
    }
}

/// The most questions a chapter's quiz holds: a check of the chapter, not an exam.
pub const MAX_QUIZ: usize = 10;

/// The form field of a quiz's question at `position` (1-based): `q1` … `q10`.
pub fn quiz_field(position: usize) -> &'static str {
    const FIELDS: [&str; MAX_QUIZ] = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"];
    FIELDS
        .get(position.wrapping_sub(1))
        .copied()
        .unwrap_or("answers")
}

/// Why a chapter's quiz was not passed, by question (1-based, in the chapter's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuizMiss {
    Unanswered(usize),
    Wrong(usize),
}

/// Marks a chapter's quiz (a completion by answering, issue 15, 3): the chapter is finished
/// only when every question is answered right; `given` maps a position to its answer (the
/// options shown in their own order). What is missed is told by position, never with the
/// right answer, so the member studies the chapter again rather than copying a key.
pub fn mark_quiz(questions: &[Question], given: &dyn Fn(usize) -> Option<String>) -> Vec<QuizMiss> {
    questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let position = i + 1;
            let shown: Vec<usize> = (0..q.options.len()).collect();
            match given(position).filter(|a| !a.trim().is_empty()) {
                None => Some(QuizMiss::Unanswered(position)),
                Some(a) if q.is_right(&a, &shown) => None,
                Some(_) => Some(QuizMiss::Wrong(position)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_quiz_passes_only_when_every_question_is_answered_right() {
        let four = opts(&["甲", "乙", "丙", "丁"]);
        let quiz = [
            Question::parse(QuestionKind::Single, "单选", &four, "B").unwrap(),
            Question::parse(QuestionKind::Multiple, "多选", &four, "AC").unwrap(),
            Question::parse(QuestionKind::Judge, "判断", &[], "对").unwrap(),
            Question::parse(QuestionKind::Blank, "填空", &[], "四个意识|4个意识").unwrap(),
        ];
        let answers =
            |list: [&'static str; 4]| move |p: usize| list.get(p - 1).map(|a| (*a).to_owned());
        assert_eq!(
            mark_quiz(&quiz, &answers(["b", "CA", "对", " 4个意识 "])),
            []
        );
        assert_eq!(
            mark_quiz(&quiz, &answers(["A", "AC", "", "四个意识"])),
            [QuizMiss::Wrong(1), QuizMiss::Unanswered(3)]
        );
        // A multiple choice with one right option short is wrong, as in an exam.
        assert_eq!(
            mark_quiz(&quiz, &answers(["B", "A", "错", "三个意识"])),
            [QuizMiss::Wrong(2), QuizMiss::Wrong(3), QuizMiss::Wrong(4)]
        );
        assert_eq!(
            mark_quiz(&quiz, &|_| None),
            (1..=4).map(QuizMiss::Unanswered).collect::<Vec<_>>()
        );
        assert_eq!(mark_quiz(&[], &|_| None), []);
        assert_eq!((quiz_field(1), quiz_field(MAX_QUIZ)), ("q1", "q10"));
        assert_eq!(
            (quiz_field(0), quiz_field(MAX_QUIZ + 1)),
            ("answers", "answers")
        );
    }

    #[test]
    fn choice_questions_need_options_and_a_key_among_them() {
        let four = opts(&["甲", "乙", "丙", "丁"]);
        let q = Question::parse(QuestionKind::Single, "党的最高理想是", &four, " b ").unwrap();
        assert_eq!(q.key, "B");
        let q = Question::parse(QuestionKind::Multiple, "题", &four, "D,A，c").unwrap();
        assert_eq!(q.key, "ACD");
        let err = |kind, options: &[String], key| {
            Question::parse(kind, "题", options, key)
                .unwrap_err()
                .iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(err(QuestionKind::Single, &four, "E"), vec!["key"]);
        assert_eq!(err(QuestionKind::Single, &four, "AB"), vec!["key"]);
        assert_eq!(err(QuestionKind::Multiple, &four, "A"), vec!["key"]);
        assert_eq!(err(QuestionKind::Multiple, &four, "AA"), vec!["key"]);
        assert_eq!(err(QuestionKind::Single, &four, "1"), vec!["key"]);
        assert_eq!(
            err(QuestionKind::Single, &opts(&["甲"]), "A"),
            vec!["options"]
        );
        assert_eq!(
            err(QuestionKind::Single, &opts(&["甲"]), "B"),
            vec!["options", "key"]
        );
        assert_eq!(
            err(QuestionKind::Single, &opts(&["甲", "甲"]), "A"),
            vec!["options"]
        );
        assert!(Question::parse(QuestionKind::Single, " ", &four, "A").is_err());
        // The limits, at their edges.
        let long = |n: usize| "字".repeat(n);
        assert!(Question::parse(QuestionKind::Single, &long(1000), &four, "A").is_ok());
        assert!(
            Question::parse(QuestionKind::Single, "题", &[long(200), "乙".into()], "A").is_ok()
        );
        assert!(Question::parse(QuestionKind::Multiple, "题", &four, "AB").is_ok());
        assert_eq!(
            Question::parse(QuestionKind::Single, &long(1001), &four, "A")
                .unwrap_err()
                .iter()
                .map(|e| e.field)
                .collect::<Vec<_>>(),
            vec!["stem"]
        );
        assert_eq!(
            err(QuestionKind::Single, &[long(201), "乙".into()], "A"),
            vec!["options"]
        );
        let nine = opts(&["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert_eq!(err(QuestionKind::Single, &nine, "A"), vec!["options"]);
        // Empty options are dropped, not counted.
        let q = Question::parse(QuestionKind::Single, "题", &opts(&["甲", "", "乙"]), "B").unwrap();
        assert_eq!(q.options, opts(&["甲", "乙"]));
    }

    #[test]
    fn judge_and_blank_questions_have_no_options() {
        let q = Question::parse(QuestionKind::Judge, "题", &[], "√").unwrap();
        assert_eq!(q.key, "对");
        assert_eq!(
            Question::parse(QuestionKind::Judge, "题", &[], "错误")
                .unwrap()
                .key,
            "错"
        );
        assert!(Question::parse(QuestionKind::Judge, "题", &[], "也许").is_err());
        assert!(Question::parse(QuestionKind::Judge, "题", &opts(&["对", "错"]), "对").is_err());
        let q = Question::parse(
            QuestionKind::Blank,
            "题",
            &[],
            " 从严治党 ｜ 全面从严治党 |",
        )
        .unwrap();
        assert_eq!(q.key, "从严治党|全面从严治党");
        assert!(Question::parse(QuestionKind::Blank, "题", &[], " | ").is_err());
    }

    #[test]
    fn every_kind_is_graded() {
        let identity = [0, 1, 2, 3];
        let single = Question::parse(
            QuestionKind::Single,
            "题",
            &opts(&["a", "b", "c", "d"]),
            "B",
        )
        .unwrap();
        assert!(single.is_right("B", &identity));
        assert!(single.is_right("b", &identity));
        assert!(!single.is_right("C", &identity));
        assert!(!single.is_right("", &identity));
        assert!(!single.is_right("BC", &identity));
        // Shown in another order: the second shown option is the original third.
        let shown = [3, 2, 1, 0];
        assert!(single.is_right("C", &shown));
        assert!(!single.is_right("B", &shown));
        let multiple = Question::parse(
            QuestionKind::Multiple,
            "题",
            &opts(&["a", "b", "c", "d"]),
            "ACD",
        )
        .unwrap();
        assert!(multiple.is_right("ACD", &identity));
        assert!(multiple.is_right("DCA", &identity));
        assert!(!multiple.is_right("AC", &identity));
        assert!(!multiple.is_right("ABCD", &identity));
        assert!(multiple.is_right("ABD", &shown));
        assert!(!multiple.is_right("E", &identity));
        let judge = Question::parse(QuestionKind::Judge, "题", &[], "错").unwrap();
        assert!(judge.is_right("错", &[]));
        assert!(judge.is_right("×", &[]));
        assert!(!judge.is_right("对", &[]));
        assert!(!judge.is_right("", &[]));
        let blank =
            Question::parse(QuestionKind::Blank, "题", &[], "从严治党|全面从严治党").unwrap();
        assert!(blank.is_right("从严治党", &[]));
        assert!(blank.is_right(" 全面从严治党。", &[]));
        assert!(!blank.is_right("从严治警", &[]));
        assert!(!blank.is_right("", &[]));
        let latin = Question::parse(QuestionKind::Blank, "题", &[], "GDP").unwrap();
        assert!(latin.is_right("ｇｄｐ", &[]));
    }

    #[test]
    fn a_shuffle_is_a_permutation_fixed_by_its_seed() {
        let a = shuffle(10, 42);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(a, shuffle(10, 42));
        assert_ne!(a, shuffle(10, 43));
        // Pinned: a change of the generator would be noticed (kept papers store their order,
        // so it would not alter them, but it should be a decision).
        assert_eq!(shuffle(8, 7), vec![7, 3, 1, 5, 2, 0, 6, 4]);
        assert_eq!(shuffle(5, 42), vec![3, 2, 0, 1, 4]);
        assert_eq!(shuffle(0, 1), Vec::<usize>::new());
        assert_eq!(shuffle(1, 1), vec![0]);
    }

    #[test]
    fn pass_clock_and_retakes() {
        assert!(passes(60, 100, 60));
        assert!(!passes(59, 100, 60));
        assert!(passes(6, 10, 60));
        assert!(!passes(0, 0, 0));
        let deadline = DateTime::parse_from_rfc3339("2026-03-28T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let before = deadline - chrono::TimeDelta::seconds(90);
        assert_eq!(
            sitting_clock(deadline, before),
            SittingClock::Running { seconds_left: 90 }
        );
        assert_eq!(sitting_clock(deadline, deadline), SittingClock::Over);
        assert_eq!(may_retake(0, false, 2), Ok(()));
        assert_eq!(may_retake(1, false, 2), Ok(()));
        assert_eq!(may_retake(2, false, 2), Err(RetakeRefused::Used(2)));
        assert_eq!(may_retake(1, true, 3), Err(RetakeRefused::Passed));
        assert_eq!(RetakeRefused::Used(2).to_string(), "已考满2次");
    }

    proptest! {
        /// A question shown in any order is graded by its original key.
        #[test]
        fn grading_survives_any_shuffle(seed in any::<u64>(), pick in 0usize..5) {
            let q = Question::parse(QuestionKind::Single, "题", &opts(&["a", "b", "c", "d", "e"]), "C").unwrap();
            let shown = shuffle(5, seed);
            let right = shown.iter().position(|o| *o == 2).unwrap();
            prop_assert!(q.is_right(&letter(right).to_string(), &shown));
            prop_assert_eq!(q.is_right(&letter(pick).to_string(), &shown), pick == right);
        }

        /// Normalising is idempotent: what was normalised compares equal to itself.
        #[test]
        fn normalising_twice_changes_nothing(text in "\\PC{0,20}") {
            let once = normalise(&text);
            prop_assert_eq!(normalise(&once), once);
        }
    }
}
