//! The attribute macros of [picante](https://docs.rs/picante): declare inputs, interned values
//! and tracked (memoized) async functions, and a database that holds them all.
//!
//! Use them through picante, which re-exports them: `#[picante::input]`,
//! `#[picante::interned]`, `#[picante::tracked]`, `#[picante::db(..)]`. They follow picante
//! 1.0's macros (names, attribute syntax, generated API) and expand to picante's low-level API
//! (`InputIngredient`, `InternedIngredient`, `DerivedIngredient`, `IngredientRegistry`), so the
//! database they generate is the one you would write by hand.
//!
//! | macro | on | generates |
//! |---|---|---|
//! | `#[picante::input]` | a struct, at most one field `#[key]` | the handle `X(InternId)` with `new`, `new_with_durability`, a getter and a `set_…` per field, `data`; `XData`; `XKeysIngredient`, `XDataIngredient`; `HasXIngredient`; `make_x_keys`, `make_x_data`. Without `#[key]`: a singleton with `X::set`, `X::get` and a getter per field |
//! | `#[picante::interned]` | a struct | the handle `X(InternId)` with `new`, `value` and a getter per field; `XData`; `XIngredient`; `HasXIngredient`; `make_x_ingredient` |
//! | `#[picante::tracked]` | `async fn f<DB: …>(db: &DB, key…) -> PicanteResult<T>` | `f(db, key…)`, memoized; `FQuery<DB>`; `HasFQuery`; `make_f_query` |
//! | `#[picante::db(inputs(..), interned(..), tracked(..))]` | a struct (its fields become `new`'s parameters) | the database: `new`, `HasRuntime`, `IngredientLookup`, every `Has…` trait, the combined trait `{Db}Trait`, `persistable_ingredients`, `save_to_cache`, `load_from_cache` |
//!
//! A tracked function's key is its parameters after `db`: none (`()`), one (itself), or several
//! (a tuple). Its `DB` bound lists the `Has…` traits of what it reads, its own included if it
//! calls itself; `#[picante::db]` implements them all.
//!
//! # Example
//!
//! ```
//! use picante::{HasRuntime, PicanteResult};
//!
//! #[picante::input]
//! pub struct Page {
//!     #[key]
//!     pub path: String,
//!     pub text: String,
//! }
//!
//! #[picante::interned]
//! pub struct Word {
//!     pub text: String,
//! }
//!
//! /// How many words a page has.
//! #[picante::tracked]
//! pub async fn word_count<DB: HasPageIngredient>(db: &DB, page: Page) -> PicanteResult<usize> {
//!     Ok(page.text(db)?.split_whitespace().count())
//! }
//!
//! /// The distinct words of a page, interned.
//! #[picante::tracked]
//! pub async fn words<DB: HasPageIngredient + HasWordIngredient>(
//!     db: &DB,
//!     page: Page,
//! ) -> PicanteResult<Vec<Word>> {
//!     let mut words = Vec::new();
//!     for text in page.text(db)?.split_whitespace() {
//!         let word = Word::new(db, text.to_string())?;
//!         if !words.contains(&word) {
//!             words.push(word);
//!         }
//!     }
//!     Ok(words)
//! }
//!
//! #[picante::db(inputs(Page), interned(Word), tracked(word_count, words))]
//! pub struct Database {}
//!
//! let db = Database::new();
//! let page = Page::new(&db, "index.md".into(), "to be or not to be".into())?;
//! assert_eq!(pollster::block_on(word_count(&db, page))?, 6);
//! assert_eq!(pollster::block_on(words(&db, page))?.len(), 4);
//! // Equal fields, same handle.
//! assert_eq!(Word::new(&db, "be".into())?, Word::new(&db, "be".into())?);
//!
//! // A change invalidates what read it.
//! page.set_text(&db, "to be".into())?;
//! assert_eq!(pollster::block_on(word_count(&db, page))?, 2);
//! assert_eq!(db.runtime().stats().executed, 3);
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```
//!
//! # Errors at compile time
//!
//! Misuse is a `compile_error!` at the tokens concerned: a tracked function that is not
//! `async`, whose first parameter is not `&DB`, that has no return type or several type
//! parameters; an input or interned struct with generics, tuple fields, or two `#[key]`s; a
//! `#[picante::db]` option it does not know, or on something other than a struct. The tests in
//! `picante/tests/compile_fail/` show each message.

// unsynn's `quote!` recurses once per token, and the database's template is long.
#![recursion_limit = "512"]

mod db;
mod input;
mod interned;
mod names;
mod parse;
mod tokens;
mod tracked;

use proc_macro::TokenStream;

/// An input entity: see the [crate documentation](crate).
#[proc_macro_attribute]
pub fn input(attr: TokenStream, item: TokenStream) -> TokenStream {
    finish(input::expand(attr.into(), item.into()))
}

/// An interned entity: see the [crate documentation](crate).
#[proc_macro_attribute]
pub fn interned(attr: TokenStream, item: TokenStream) -> TokenStream {
    finish(interned::expand(attr.into(), item.into()))
}

/// A memoized async function: see the [crate documentation](crate).
#[proc_macro_attribute]
pub fn tracked(attr: TokenStream, item: TokenStream) -> TokenStream {
    finish(tracked::expand(attr.into(), item.into()))
}

/// The database struct: see the [crate documentation](crate).
#[proc_macro_attribute]
pub fn db(attr: TokenStream, item: TokenStream) -> TokenStream {
    finish(db::expand(attr.into(), item.into()))
}

fn finish(expanded: parse::Result<unsynn::TokenStream>) -> TokenStream {
    match expanded {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}
