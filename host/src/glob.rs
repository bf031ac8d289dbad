//! Glob patterns as Zola reads `ignored_content` and `ignored_static`: the syntax and meaning of
//! the `globset` crate's defaults (0.4.18, the version Zola 0.22 builds with), written here
//! rather than linked, so the host takes no dependency for a dozen patterns per site.
//!
//! A pattern must match the whole path. `?` is any one character and `*` any run of them,
//! `/` included (globset's default: `*.png` matches `a/b/c.png`); `[abc]`, `[a-z]`, `[!a]`
//! and `[^a]` are classes (a `]` or `-` first in a class is itself); `{a,b}` are alternatives
//! (nested ones too; an empty alternative is dropped, so `{,a}` is `a`); `\` makes the next
//! character literal. `**` is special next to a `/` or at an end: `**/x` is `x` in any
//! directory (or none), `x/**` anything under `x`, `a/**/b` `b` any number of directories
//! (or none) below `a`, and `**` alone everything; anywhere else it is `*` twice.
//!
//! One difference, for names with letters beyond ASCII: globset matches bytes, so its `?` is
//! one byte of UTF-8 and a class lists bytes; here `?` is one character and a class lists
//! characters (`?` matches `é`, which globset matches with `??`). Otherwise the two agree:
//! checked against globset 0.4.18 on five million random patterns and paths over `*?[]!^-{},\`
//! and path characters (2026-12-02, a scratch program, not kept), not one differing.
//!
//! A pattern is compiled to a small automaton (`Inst`) and run over the path's characters
//! with a set of states (Thompson's construction, as in Russ Cox's "Regular Expression
//! Matching Can Be Simple And Fast"), so a match costs the path's length times the pattern's,
//! whatever the pattern.
//!
//! ```text
//! "**/{target,tmp}"  matches  "target", "a/b/tmp"        not  "target/x", "atmp"
//! "*.{graphml,iso}"  matches  "x.iso", "a/b.graphml"     not  "x.iso.md"
//! "drafts/**"        matches  "drafts/a.md", "drafts/b/c" not  "drafts"
//! ```

use std::fmt;

/// A compiled glob pattern.
#[derive(Clone, Debug)]
pub(crate) struct Glob {
    /// The automaton: instructions, the first at index 0.
    program: Vec<Inst>,
}

/// A list of globs: a path matches when one of them does.
#[derive(Clone, Debug, Default)]
pub(crate) struct GlobSet {
    globs: Vec<Glob>,
}

/// Why a pattern is not a glob (globset's reasons, in its words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GlobError {
    /// A `[` with no `]` after it.
    UnclosedClass,
    /// A range whose end comes before its start (`[z-a]`).
    InvalidRange(char, char),
    /// A `}` with no `{` before it.
    UnopenedAlternates,
    /// A `{` with no `}` after it.
    UnclosedAlternates,
    /// A `\` at the end of the pattern.
    DanglingEscape,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::UnclosedClass => write!(f, "unclosed character class; missing ']'"),
            GlobError::InvalidRange(start, end) => write!(f, "invalid range; '{start}' > '{end}'"),
            GlobError::UnopenedAlternates => {
                write!(f, "unopened alternate group; missing '{{' (maybe escape '}}' with '[}}]'?)")
            }
            GlobError::UnclosedAlternates => {
                write!(f, "unclosed alternate group; missing '}}' (maybe escape '{{' with '[{{]'?)")
            }
            GlobError::DanglingEscape => write!(f, "dangling '\\'"),
        }
    }
}

impl std::error::Error for GlobError {}

/// A piece of a parsed pattern (globset's tokens).
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Literal(char),
    /// `?`.
    Any,
    /// `*`.
    ZeroOrMore,
    /// `**/` at the start: `(?:/?|.*/)`.
    RecursivePrefix,
    /// `/**` at the end: `/.*`.
    RecursiveSuffix,
    /// `/**/`: `(?:/|/.*/)`.
    RecursiveZeroOrMore,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Alternates(Vec<Vec<Token>>),
}

/// One instruction of the automaton.
#[derive(Clone, Debug)]
enum Inst {
    /// This character, then the next instruction.
    Char(char),
    /// Any character.
    AnyChar,
    /// A character in (or, negated, not in) the ranges.
    Class { negated: bool, ranges: Vec<(char, char)> },
    /// Both instructions (no character consumed).
    Split(usize, usize),
    /// That instruction (no character consumed).
    Jump(usize),
    /// The whole path matched, if it is at its end.
    Match,
}

impl Glob {
    /// Parses and compiles `pattern`.
    ///
    /// # Errors
    ///
    /// A [`GlobError`] when it is not a glob globset would accept.
    pub(crate) fn new(pattern: &str) -> Result<Glob, GlobError> {
        let tokens = Parser::new(pattern).parse()?;
        let mut program = Vec::new();
        if tokens == [Token::RecursivePrefix] {
            // `**` alone: everything.
            star(&mut program);
        } else {
            compile(&tokens, &mut program);
        }
        program.push(Inst::Match);
        Ok(Glob { program })
    }

    /// Whether the whole of `path` matches.
    pub(crate) fn is_match(&self, path: &str) -> bool {
        let size = self.program.len();
        let (mut current, mut next) = (States::new(size), States::new(size));
        current.add(&self.program, 0);
        for c in path.chars() {
            next.clear();
            for &at in &current.list {
                let taken = match &self.program[at] {
                    Inst::Char(expected) => *expected == c,
                    Inst::AnyChar => true,
                    Inst::Class { negated, ranges } => {
                        ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
                    }
                    Inst::Split(..) | Inst::Jump(_) | Inst::Match => false,
                };
                if taken {
                    next.add(&self.program, at + 1);
                }
            }
            if next.list.is_empty() {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.list.iter().any(|&at| matches!(self.program[at], Inst::Match))
    }
}

impl GlobSet {
    /// The globs of `patterns`, in order.
    ///
    /// # Errors
    ///
    /// The first pattern that is not a glob, with its error.
    pub(crate) fn new<S: AsRef<str>>(patterns: &[S]) -> Result<GlobSet, (String, GlobError)> {
        let globs = patterns
            .iter()
            .map(|p| Glob::new(p.as_ref()).map_err(|e| (p.as_ref().to_string(), e)))
            .collect::<Result<_, _>>()?;
        Ok(GlobSet { globs })
    }

    /// Whether it has no glob (it then matches nothing).
    pub(crate) fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Whether a glob matches the whole of `path`.
    pub(crate) fn is_match(&self, path: &str) -> bool {
        self.globs.iter().any(|glob| glob.is_match(path))
    }
}

/// A set of automaton states, each once: every state reached, those that consume a
/// character or match among them.
struct States {
    list: Vec<usize>,
    present: Vec<bool>,
}

impl States {
    fn new(size: usize) -> States {
        States { list: Vec::with_capacity(size), present: vec![false; size] }
    }

    fn clear(&mut self) {
        for &at in &self.list {
            self.present[at] = false;
        }
        self.list.clear();
    }

    /// Adds `at` and every state reached from it without consuming a character.
    fn add(&mut self, program: &[Inst], at: usize) {
        let mut pending = vec![at];
        while let Some(at) = pending.pop() {
            if self.present[at] {
                continue;
            }
            self.present[at] = true;
            self.list.push(at);
            match program[at] {
                Inst::Split(a, b) => {
                    pending.push(b);
                    pending.push(a);
                }
                Inst::Jump(to) => pending.push(to),
                _ => {}
            }
        }
    }
}

/// Compiles `tokens` onto the end of `program`.
fn compile(tokens: &[Token], program: &mut Vec<Inst>) {
    for token in tokens {
        match token {
            Token::Literal(c) => program.push(Inst::Char(*c)),
            Token::Any => program.push(Inst::AnyChar),
            Token::ZeroOrMore => star(program),
            Token::RecursivePrefix => {
                // `/?` or `.*/`.
                let split = hole(program);
                let slash = hole(program);
                program.push(Inst::Char('/'));
                let done = hole(program);
                let any = program.len();
                star(program);
                program.push(Inst::Char('/'));
                let end = program.len();
                program[split] = Inst::Split(slash, any);
                program[slash] = Inst::Split(slash + 1, done);
                program[done] = Inst::Jump(end);
            }
            Token::RecursiveSuffix => {
                program.push(Inst::Char('/'));
                star(program);
            }
            Token::RecursiveZeroOrMore => {
                // `/`, then nothing or `.*/`.
                program.push(Inst::Char('/'));
                let split = hole(program);
                star(program);
                program.push(Inst::Char('/'));
                let end = program.len();
                program[split] = Inst::Split(split + 1, end);
            }
            Token::Class { negated, ranges } => {
                program.push(Inst::Class { negated: *negated, ranges: ranges.clone() })
            }
            Token::Alternates(branches) => {
                // Empty alternatives are dropped, as globset drops them; none left is nothing.
                let branches: Vec<&Vec<Token>> =
                    branches.iter().filter(|branch| !matches_nothing_more(branch)).collect();
                let mut jumps = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    let last = i + 1 == branches.len();
                    let split = (!last).then(|| hole(program));
                    compile(branch, program);
                    if !last {
                        jumps.push(hole(program));
                    }
                    if let Some(split) = split {
                        program[split] = Inst::Split(split + 1, program.len());
                    }
                }
                let end = program.len();
                for jump in jumps {
                    program[jump] = Inst::Jump(end);
                }
            }
        }
    }
}

/// Whether `tokens` compile to no instruction: only groups of such alternatives (`{,{,}}`),
/// which globset drops as it drops an empty alternative.
fn matches_nothing_more(tokens: &[Token]) -> bool {
    tokens.iter().all(|token| match token {
        Token::Alternates(branches) => branches.iter().all(|branch| matches_nothing_more(branch)),
        _ => false,
    })
}

/// `.*`: any characters, as many as there are.
fn star(program: &mut Vec<Inst>) {
    let split = hole(program);
    program.push(Inst::AnyChar);
    program.push(Inst::Jump(split));
    program[split] = Inst::Split(split + 1, program.len());
}

/// A place for an instruction filled in once its targets are known.
fn hole(program: &mut Vec<Inst>) -> usize {
    program.push(Inst::Match);
    program.len() - 1
}

/// globset's parser (its rules, restated): a stack of branches, the last one being written.
struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    /// Where each open `{` started, as an index into `branches`.
    open: Vec<usize>,
    /// The branches being written: the pattern's, then each alternative of each open group.
    branches: Vec<Vec<Token>>,
    /// The character before the one just read.
    prev: Option<char>,
    /// The character just read.
    cur: Option<char>,
}

impl<'a> Parser<'a> {
    fn new(pattern: &'a str) -> Parser<'a> {
        Parser {
            chars: pattern.chars().peekable(),
            open: Vec::new(),
            branches: vec![Vec::new()],
            prev: None,
            cur: None,
        }
    }

    fn parse(mut self) -> Result<Vec<Token>, GlobError> {
        while let Some(c) = self.bump() {
            match c {
                '?' => self.push(Token::Any),
                '*' => self.star()?,
                '[' => self.class()?,
                '{' => {
                    self.open.push(self.branches.len());
                    self.branches.push(Vec::new());
                }
                '}' => {
                    let start = self.open.pop().ok_or(GlobError::UnopenedAlternates)?;
                    let group = Token::Alternates(self.branches.drain(start..).collect());
                    self.push(group);
                }
                ',' if !self.open.is_empty() => self.branches.push(Vec::new()),
                '\\' => {
                    let escaped = self.bump().ok_or(GlobError::DanglingEscape)?;
                    self.push(Token::Literal(escaped));
                }
                c => self.push(Token::Literal(c)),
            }
        }
        if self.branches.len() > 1 {
            return Err(GlobError::UnclosedAlternates);
        }
        Ok(self.branches.pop().unwrap_or_default())
    }

    fn bump(&mut self) -> Option<char> {
        self.prev = self.cur;
        self.cur = self.chars.next();
        self.cur
    }

    fn branch(&mut self) -> &mut Vec<Token> {
        // There is always the pattern's own branch: `}` only drains those its `{` pushed.
        let last = self.branches.len() - 1;
        &mut self.branches[last]
    }

    fn push(&mut self, token: Token) {
        self.branch().push(token);
    }

    /// After a `*`: a `*`, or one of the three recursive forms of `**`, or `**` as two `*`.
    fn star(&mut self) -> Result<(), GlobError> {
        let before = self.prev;
        if self.chars.peek() != Some(&'*') {
            self.push(Token::ZeroOrMore);
            return Ok(());
        }
        self.bump();
        let twice = |parser: &mut Parser<'_>| {
            parser.push(Token::ZeroOrMore);
            parser.push(Token::ZeroOrMore);
            Ok(())
        };
        if self.branch().is_empty() {
            // At the start of the pattern or of an alternative: `**/` or `**` at the end.
            return match self.chars.peek() {
                None => {
                    self.push(Token::RecursivePrefix);
                    Ok(())
                }
                Some('/') => {
                    self.bump();
                    self.push(Token::RecursivePrefix);
                    Ok(())
                }
                Some(_) => twice(self),
            };
        }
        if before != Some('/') {
            return twice(self);
        }
        let in_group = self.branches.len() > 1;
        let suffix = match self.chars.peek() {
            None => true,
            Some(',' | '}') if in_group => true,
            Some('/') => {
                self.bump();
                false
            }
            Some(_) => return twice(self),
        };
        // The `/` before it becomes part of the recursive token (kept as it is after `**/`
        // or `/**`, which already hold theirs).
        match self.branch().pop() {
            Some(Token::RecursivePrefix) => self.push(Token::RecursivePrefix),
            Some(Token::RecursiveSuffix) => self.push(Token::RecursiveSuffix),
            _ if suffix => self.push(Token::RecursiveSuffix),
            _ => self.push(Token::RecursiveZeroOrMore),
        }
        Ok(())
    }

    /// After a `[`: the class up to its `]`.
    fn class(&mut self) -> Result<(), GlobError> {
        let negated = matches!(self.chars.peek(), Some('!' | '^'));
        if negated {
            self.bump();
        }
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut first = true;
        let mut in_range = false;
        loop {
            let c = self.bump().ok_or(GlobError::UnclosedClass)?;
            match c {
                ']' if !first => break,
                '-' if !first && !in_range => in_range = true,
                c => {
                    if in_range {
                        // A range is only begun after a character: there is a last one.
                        let last = ranges.last_mut().expect("a range follows a character");
                        if c < last.0 {
                            return Err(GlobError::InvalidRange(last.0, c));
                        }
                        last.1 = c;
                        in_range = false;
                    } else {
                        ranges.push((c, c));
                    }
                }
            }
            first = false;
        }
        if in_range {
            ranges.push(('-', '-'));
        }
        self.push(Token::Class { negated, ranges });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(path)
    }

    #[track_caller]
    fn check(pattern: &str, yes: &[&str], no: &[&str]) {
        for path in yes {
            assert!(matches(pattern, path), "{pattern} should match {path}");
        }
        for path in no {
            assert!(!matches(pattern, path), "{pattern} should not match {path}");
        }
    }

    #[test]
    fn stars_and_question_marks_cross_slashes_as_globset_s_defaults_do() {
        check("*.png", &["a.png", "a/b/c.png", ".png"], &["a.png.md", "a.PNG"]);
        check("a?c", &["abc", "a/c"], &["ac", "abbc"]);
        check("*", &["", "a", "a/b/c", "a\nb"], &[]);
        check("temp.*", &["temp.md", "temp.a/b"], &["a/temp.md"]);
        check("blog/skip.md", &["blog/skip.md"], &["blog/skip.mdx", "x/blog/skip.md"]);
        check("?", &["é"], &["ab", ""]);
    }

    #[test]
    fn double_stars_are_recursive_next_to_slashes_and_at_the_ends() {
        check("**", &["", "a", "a/b/c"], &[]);
        check("**/target", &["target", "a/target", "a/b/target"], &["atarget", "target/x"]);
        check("**/{target,temp_folder}", &["target", "x/temp_folder"], &["x/temp"]);
        check("drafts/**", &["drafts/a", "drafts/a/b"], &["drafts", "drafts2/a"]);
        check("a/**/b", &["a/b", "a/x/b", "a/x/y/b"], &["ab", "a/xb"]);
        // Elsewhere `**` is two stars.
        check("a**", &["a", "abc", "a/b"], &["b"]);
        check("**a", &["a", "xa", "x/a"], &["ab"]);
        check("a/**b", &["a/b", "a/xb", "a/x/b"], &["ab"]);
        // `**/**` is `**/`.
        check("**/**/x", &["x", "a/x", "a/b/x"], &["ax"]);
        check("{**/a,b/**}", &["a", "z/a", "b/c"], &["b"]);
    }

    #[test]
    fn classes_ranges_and_negations() {
        check("[abc].md", &["a.md", "c.md"], &["d.md", "ab.md"]);
        check("[a-c]x", &["bx"], &["dx"]);
        check("[!a-c]x", &["dx", "/x"], &["ax"]);
        check("[^a]", &["b"], &["a"]);
        check("[]]", &["]"], &["a"]);
        check("[-a]", &["-", "a"], &["b"]);
        check("[a-]", &["-", "a"], &["b"]);
        check("*.py?", &["x.pyc", "a/b.pyo"], &["x.py"]);
    }

    #[test]
    fn alternatives_nest_and_drop_empty_branches() {
        check("*.{graphml,iso}", &["a.iso", "d/a.graphml"], &["a.isox", "a."]);
        check("{a,{b,c}d}", &["a", "bd", "cd"], &["d", "ad"]);
        check("x{,y}", &["xy"], &["x"]);
        check("x{}", &["x"], &["x{}"]);
        // An alternative that is only empty groups is dropped too.
        check("{],{,}}*", &["]", "]a"], &["", "a"]);
        check("a,b", &["a,b"], &["a"]);
    }

    #[test]
    fn a_backslash_makes_the_next_character_literal() {
        check("\\*.md", &["*.md"], &["a.md"]);
        check("\\{a\\}", &["{a}"], &["a"]);
    }

    #[test]
    fn bad_patterns_are_errors_in_globset_s_words() {
        let error = |pattern: &str| Glob::new(pattern).unwrap_err();
        assert_eq!(error("[ab"), GlobError::UnclosedClass);
        assert_eq!(error("[z-a]"), GlobError::InvalidRange('z', 'a'));
        assert_eq!(error("a}"), GlobError::UnopenedAlternates);
        assert_eq!(error("{a,b"), GlobError::UnclosedAlternates);
        assert_eq!(error("a\\"), GlobError::DanglingEscape);
        assert_eq!(
            GlobError::UnclosedAlternates.to_string(),
            "unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
        );
        let (pattern, _) = GlobSet::new(&["*.md", "{x"]).unwrap_err();
        assert_eq!(pattern, "{x");
    }

    #[test]
    fn a_set_matches_when_one_of_its_globs_does() {
        let set = GlobSet::new(&["*.tmp", "drafts/**"]).unwrap();
        assert!(set.is_match("a/b.tmp") && set.is_match("drafts/x.md"));
        assert!(!set.is_match("x.md") && !set.is_match("drafts"));
        assert!(GlobSet::default().is_empty() && !GlobSet::default().is_match(""));
    }

    #[test]
    fn long_paths_against_many_stars_stay_fast() {
        // A backtracking matcher takes exponential time here; the automaton takes a moment.
        let path = "a".repeat(200);
        assert!(!matches("*a*a*a*a*a*a*a*a*a*a*b", &path));
    }
}
