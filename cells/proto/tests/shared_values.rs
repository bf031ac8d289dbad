//! Shared values: read as the value inside, and decoded once by a builder that keeps them.

use std::collections::HashMap;

use cell_proto::{MAX_VALUE_DEPTH, Value, ValueBuilder, WireValue, WireWriter};

fn page(title: &str) -> WireValue {
    let mut w = WireWriter::with_capacity(64);
    w.map(2);
    w.key("title");
    w.str(title);
    w.key("tags");
    w.list(1);
    w.str("rust");
    w.finish()
}

/// A listing of `titles`, each page sent shared.
fn listing(titles: &[&str]) -> WireValue {
    let mut w = WireWriter::with_capacity(256);
    w.map(1);
    w.key("pages");
    w.list(titles.len());
    for title in titles {
        w.shared(&page(title));
    }
    w.finish()
}

#[test]
fn a_shared_value_reads_as_the_value_inside() {
    let plain = Value::map([(
        "pages",
        Value::List(vec![page("a").to_value().unwrap(), page("b").to_value().unwrap()]),
    )]);
    assert_eq!(listing(&["a", "b"]).to_value().unwrap(), plain);
}

/// Counts the strings it builds, and keeps shared values by their bytes.
#[derive(Default)]
struct Keeping {
    kept: HashMap<Vec<u8>, (usize, usize)>,
    strings_built: usize,
    recalled: usize,
}

impl ValueBuilder for Keeping {
    type Value = usize;
    fn null(&mut self) -> usize {
        0
    }
    fn bool(&mut self, _: bool) -> usize {
        0
    }
    fn int(&mut self, _: i64) -> usize {
        0
    }
    fn float(&mut self, _: f64) -> usize {
        0
    }
    fn string(&mut self, _: &str) -> usize {
        self.strings_built += 1;
        1
    }
    fn list(&mut self, items: Vec<usize>) -> usize {
        items.into_iter().sum()
    }
    fn map(&mut self, entries: Vec<(&str, usize)>) -> usize {
        entries.into_iter().map(|(_, n)| n).sum()
    }
    fn recall(&mut self, bytes: &[u8]) -> Option<(usize, usize)> {
        let kept = self.kept.get(bytes).copied();
        self.recalled += usize::from(kept.is_some());
        kept
    }
    fn remember(&mut self, bytes: &[u8], value: &usize, levels: usize) {
        self.kept.insert(bytes.to_vec(), (*value, levels));
    }
}

#[test]
fn a_builder_that_keeps_shared_values_decodes_each_once() {
    let mut builder = Keeping::default();
    // Two listings showing page "b": the second decodes only "c".
    assert_eq!(listing(&["a", "b"]).build(&mut builder).unwrap(), 4);
    assert_eq!(builder.strings_built, 4);
    assert_eq!(listing(&["b", "c"]).build(&mut builder).unwrap(), 4);
    assert_eq!(builder.strings_built, 6, "page b was not decoded again");
    assert_eq!(builder.recalled, 1);
}

#[test]
fn a_shared_value_inside_a_shared_value_is_refused() {
    let mut inner = WireWriter::with_capacity(32);
    inner.list(1);
    inner.shared(&page("a"));
    let mut outer = WireWriter::with_capacity(64);
    outer.shared(&inner.finish());
    let error = outer.finish().to_value().unwrap_err();
    assert!(error.contains("a shared value inside a shared value"), "{error}");
}

#[test]
fn a_shared_value_longer_than_the_bytes_or_with_bytes_after_it_is_an_error() {
    let good = listing(&["a"]);
    let mut cut = good.as_bytes().to_vec();
    cut.truncate(cut.len() - 3);
    let error = WireValue::from_bytes(cut).to_value().unwrap_err();
    assert!(error.contains("shared value of"), "{error}");
    // A length that stops short of the page's end leaves the rest outside it.
    let mut w = WireWriter::with_capacity(64);
    w.shared(&page("a"));
    let mut bytes = w.finish().as_bytes().to_vec();
    bytes[1] -= 1;
    assert!(WireValue::from_bytes(bytes).to_value().is_err());
}

#[test]
fn a_recalled_value_is_refused_where_it_would_be_nested_too_deep() {
    // A page (two levels: its map and its list of tags), kept from a listing, then sent
    // MAX_VALUE_DEPTH - 1 levels down, where decoding it would go past the limit.
    let mut builder = Keeping::default();
    assert_eq!(listing(&["a"]).build(&mut builder).unwrap(), 2);
    let mut fits = WireWriter::with_capacity(2 * MAX_VALUE_DEPTH + 64);
    let mut deep = WireWriter::with_capacity(2 * MAX_VALUE_DEPTH + 64);
    for _ in 0..MAX_VALUE_DEPTH - 2 {
        fits.list(1);
    }
    for _ in 0..MAX_VALUE_DEPTH - 1 {
        deep.list(1);
    }
    fits.shared(&page("a"));
    deep.shared(&page("a"));
    let (fits, deep) = (fits.finish(), deep.finish());
    // The same answers with the value kept as without.
    assert!(fits.to_value().is_ok());
    assert!(fits.build(&mut builder).is_ok());
    assert!(deep.to_value().unwrap_err().contains("deeper than"));
    let error = deep.build(&mut builder).unwrap_err();
    assert!(error.contains("deeper than"), "{error}");
    assert_eq!(builder.recalled, 2, "both times from what was kept");
}

#[test]
fn nesting_is_counted_through_a_shared_value() {
    // MAX_VALUE_DEPTH lists around a shared value holding one more list: one too deep.
    let mut inner = WireWriter::with_capacity(8);
    inner.list(0);
    let mut w = WireWriter::with_capacity(2 * MAX_VALUE_DEPTH + 8);
    for _ in 0..MAX_VALUE_DEPTH {
        w.list(1);
    }
    w.shared(&inner.finish());
    let error = w.finish().to_value().unwrap_err();
    assert!(error.contains("deeper than"), "{error}");
}
