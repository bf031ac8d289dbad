//! A section's `sort_by`, as Zola 0.22 applies it: the pages that lack the key (no date for
//! `date`, no weight for `weight`, no title for `title`) are left out of the section and not
//! built (Zola warns about them; so does the build); the others are ordered by the key, ties
//! broken by permalink.

use std::cmp::Ordering;

use crate::front_matter::SortBy;

use super::Entry;

/// `pages` ordered by `sort_by`: the sorted pages, and those that could not be sorted (in
/// their original order). `SortBy::None` keeps the host's order (weight, then newest date,
/// then title) and leaves nothing out; Zola leaves the order unspecified then.
pub(crate) fn sort_pages(mut pages: Vec<Entry>, sort_by: SortBy) -> (Vec<Entry>, Vec<Entry>) {
    if sort_by == SortBy::None {
        pages.sort_by(|a, b| {
            (a.weight.is_none(), a.weight)
                .cmp(&(b.weight.is_none(), b.weight))
                .then_with(|| b.date_nanos.cmp(&a.date_nanos))
                .then_with(|| a.title.cmp(&b.title))
        });
        return (pages, Vec::new());
    }
    let (mut sorted, unsortable): (Vec<Entry>, Vec<Entry>) =
        pages.into_iter().partition(|page| match sort_by {
            SortBy::Date => page.date_nanos.is_some(),
            SortBy::UpdateDate => page.date_nanos.is_some() || page.updated_nanos.is_some(),
            SortBy::Title | SortBy::TitleBytes => page.title.is_some(),
            SortBy::Weight => page.weight.is_some(),
            SortBy::Slug | SortBy::Permalink | SortBy::None => true,
        });
    sorted.sort_by(|a, b| {
        let order = match sort_by {
            // Newest first; `update_date` takes the later of the two.
            SortBy::Date => b.date_nanos.cmp(&a.date_nanos),
            SortBy::UpdateDate => {
                b.date_nanos.max(b.updated_nanos).cmp(&a.date_nanos.max(a.updated_nanos))
            }
            SortBy::Title => natural_lexical_cmp(
                a.title.as_deref().unwrap_or(""),
                b.title.as_deref().unwrap_or(""),
            ),
            SortBy::TitleBytes => a.title.cmp(&b.title),
            SortBy::Weight => a.weight.cmp(&b.weight),
            SortBy::Slug => natural_lexical_cmp(&a.slug, &b.slug),
            SortBy::Permalink | SortBy::None => Ordering::Equal,
        };
        // Zola breaks ties by permalink; routes differ exactly where permalinks do.
        order.then_with(|| a.route.cmp(&b.route))
    });
    (sorted, unsortable)
}

/// One unit of a natural, lexical comparison: a run of ASCII digits (compared by value) or
/// one character, transliterated and lower-cased.
#[derive(Debug)]
enum Unit<'a> {
    Number(&'a str),
    Text(String),
    /// Anything that is not a letter or digit: sorts before letters and digits.
    Other(char),
}

fn units(text: &str) -> Vec<Unit<'_>> {
    let mut units = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_digit() {
            let mut end = start + 1;
            while let Some(&(i, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            units.push(Unit::Number(&text[start..end]));
        } else if c.is_alphanumeric() {
            let ascii = match crate::slug::latin(c) {
                Some(ascii) => ascii.to_ascii_lowercase(),
                None => c.to_lowercase().collect(),
            };
            units.push(Unit::Text(ascii));
        } else {
            units.push(Unit::Other(c));
        }
    }
    units
}

fn compare_numbers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Titles compared as Zola compares them for `sort_by = "title"` (the `lexical-sort` crate's
/// natural lexical order): case is ignored, accented Latin letters count as their base
/// letters (`é` as `e`, `ß` as `ss`), runs of digits compare by value (`2` before `10`), and
/// punctuation and spaces come before letters and digits. Strings equal under these rules
/// fall back to plain byte order, so the order is total.
pub(crate) fn natural_lexical_cmp(a: &str, b: &str) -> Ordering {
    let (left, right) = (units(a), units(b));
    for (x, y) in left.iter().zip(&right) {
        let order = match (x, y) {
            (Unit::Other(p), Unit::Other(q)) => p.cmp(q),
            (Unit::Other(_), _) => Ordering::Less,
            (_, Unit::Other(_)) => Ordering::Greater,
            (Unit::Number(p), Unit::Number(q)) => compare_numbers(p, q),
            // Digits before letters, as in ASCII.
            (Unit::Number(_), Unit::Text(_)) => Ordering::Less,
            (Unit::Text(_), Unit::Number(_)) => Ordering::Greater,
            (Unit::Text(p), Unit::Text(q)) => p.cmp(q),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    left.len().cmp(&right.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_lexical_order_ignores_case_and_accents_and_reads_numbers() {
        let mut titles =
            vec!["ß", "é", "100", "hello", "world", "50", ".", "B!", "apple 10", "Apple 9"];
        titles.sort_by(|a, b| natural_lexical_cmp(a, b));
        assert_eq!(
            titles,
            [".", "50", "100", "Apple 9", "apple 10", "B!", "é", "hello", "ß", "world"]
        );
    }
}
