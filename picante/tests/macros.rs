//! The attribute macros, used as a user would: each test states what the generated API does.

use std::sync::Arc;

use picante::{Durability, HasRuntime, InternId, PicanteError, PicanteResult, RuntimeStats};

/// A source file: keyed by its path.
#[picante::input]
pub struct File {
    /// Where it is.
    #[key]
    pub path: String,
    /// What it holds.
    pub text: String,
    /// Labels, read by no query here.
    pub tags: Vec<String>,
}

/// The site's settings: one per database.
#[picante::input]
pub struct Settings {
    /// The site's title.
    pub title: String,
}

/// Fields named like locals of the generated code: they must not be mixed up with them.
#[picante::input]
pub struct Row {
    /// The key.
    #[key]
    pub key: u32,
    /// Named like the id the generated `new` interns.
    pub id: u64,
    /// Named like the data a generated setter reads first.
    pub current: u64,
}

mod words {
    /// One word, interned.
    #[picante::interned]
    pub struct Word {
        pub text: String,
    }
}
use words::{HasWordIngredient, Word};

/// The length of a file's text.
#[picante::tracked]
pub async fn length<DB: HasFileIngredient>(db: &DB, file: File) -> PicanteResult<usize> {
    Ok(file.text(db)?.len())
}

/// Whether the file's length is even: computed from `length`, so an edit that keeps the length
/// stops there (early cutoff).
#[picante::tracked]
pub async fn even<DB: HasFileIngredient + HasLengthQuery>(db: &DB, file: File) -> bool {
    length(db, file).await.is_ok_and(|n| n % 2 == 0)
}

/// The title and a file's first word, interned: two keys make a tuple key.
#[picante::tracked]
pub async fn headline<DB>(db: &DB, file: File, upper: bool) -> PicanteResult<(String, Word)>
where
    DB: HasFileIngredient + HasSettingsIngredient + HasWordIngredient,
{
    let title = Settings::title(db)?.unwrap_or_default();
    let text = file.text(db)?;
    let first = text.split_whitespace().next().unwrap_or_default();
    let first = if upper { first.to_uppercase() } else { first.to_string() };
    Ok((title, Word::new(db, first)?))
}

/// No key at all: the title's length.
#[picante::tracked]
pub async fn title_length<DB: AppTrait>(db: &DB) -> PicanteResult<usize> {
    Ok(Settings::title(db)?.map_or(0, |t| t.len()))
}

#[picante::db(
    inputs(File, Settings, Row),
    interned(words::Word),
    tracked(length, even, headline, title_length),
    db_trait(AppTrait)
)]
/// The database of these tests.
pub struct App {
    /// A field of the application's own, passed to `new`.
    pub name: &'static str,
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

fn stats(db: &App) -> RuntimeStats {
    db.runtime().stats()
}

#[test]
fn an_input_is_created_read_and_updated_through_its_handle() -> PicanteResult<()> {
    let db = App::new("test");
    assert_eq!(db.name, "test");
    let a = File::new(&db, "a.md".into(), "hello".into(), vec!["x".into()])?;
    assert_eq!(&*a.path(&db)?, "a.md");
    assert_eq!(a.text(&db)?, "hello");
    assert_eq!(a.tags(&db)?, vec!["x".to_string()]);
    assert_eq!(a.data(&db)?.text, "hello");

    // `new` with an existing key updates the same entity.
    let again = File::new(&db, "a.md".into(), "bye".into(), vec![])?;
    assert_eq!(again, a);
    assert_eq!(a.text(&db)?, "bye");

    // A setter replaces one field and keeps the others.
    a.set_tags(&db, vec!["y".into()])?;
    assert_eq!((a.text(&db)?, a.tags(&db)?), ("bye".to_string(), vec!["y".to_string()]));
    Ok(())
}

#[test]
fn fields_named_like_generated_locals_keep_their_values() -> PicanteResult<()> {
    let db = App::new("test");
    let row = Row::new(&db, 1, 7, 8)?;
    assert_eq!((row.id(&db)?, row.current(&db)?), (7, 8));
    row.set_current(&db, 9)?;
    row.set_id(&db, 6)?;
    assert_eq!((*row.key(&db)?, row.id(&db)?, row.current(&db)?), (1, 6, 9));
    Ok(())
}

#[test]
fn setting_an_equal_value_makes_no_revision() -> PicanteResult<()> {
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "hello".into(), vec![])?;
    let before = db.runtime().current_revision();
    File::new(&db, "a.md".into(), "hello".into(), vec![])?;
    assert_eq!(a.set_text(&db, "hello".into())?, before);
    assert_eq!(db.runtime().current_revision(), before);
    Ok(())
}

#[test]
fn an_entity_without_data_is_an_error_naming_its_key() -> PicanteResult<()> {
    let db = App::new("test");
    // Interned but never given data (only possible through the ingredient itself).
    let orphan = File(db.file_keys().intern("ghost.md".to_string())?);
    let error = orphan.text(&db).expect_err("no data");
    assert!(matches!(&*error, PicanteError::MissingInput { input: "File", .. }), "{error}");
    assert!(error.to_string().contains("ghost.md"), "{error}");
    // A handle this database never handed out.
    let stranger = File(InternId(99));
    assert!(matches!(
        &*stranger.text(&db).expect_err("unknown"),
        PicanteError::UnknownInternId { .. }
    ));
    Ok(())
}

#[test]
fn a_singleton_input_is_set_and_read_without_a_key() -> PicanteResult<()> {
    let db = App::new("test");
    assert!(Settings::get(&db)?.is_none());
    assert_eq!(Settings::title(&db)?, None);
    Settings::set(&db, "Blog".into())?;
    assert_eq!(Settings::title(&db)?.as_deref(), Some("Blog"));
    assert_eq!(Settings::get(&db)?.map(|s| s.title.clone()).as_deref(), Some("Blog"));
    Ok(())
}

#[test]
fn equal_interned_fields_give_the_same_handle() -> PicanteResult<()> {
    let db = App::new("test");
    let a = Word::new(&db, "be".into())?;
    let b = Word::new(&db, "or".into())?;
    assert_eq!(Word::new(&db, "be".into())?, a);
    assert_ne!(a, b);
    assert_eq!(a.text(&db)?, "be");
    assert_eq!(b.value(&db)?.text, "or");
    Ok(())
}

#[test]
fn a_tracked_function_runs_once_per_key_and_revision() -> PicanteResult<()> {
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "hello".into(), vec![])?;
    let b = File::new(&db, "b.md".into(), "hi".into(), vec![])?;
    assert_eq!(block_on(length(&db, a))?, 5);
    assert_eq!(block_on(length(&db, a))?, 5);
    assert_eq!(block_on(length(&db, b))?, 2);
    assert_eq!(stats(&db).executed, 2);
    // The same ingredient, reached through the trait.
    assert_eq!(block_on(db.length_query().get(&db, a))?, 5);
    assert_eq!(stats(&db).executed, 2);
    Ok(())
}

#[test]
fn an_input_change_recomputes_exactly_its_readers() -> PicanteResult<()> {
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "hello".into(), vec![])?;
    let b = File::new(&db, "b.md".into(), "hi".into(), vec![])?;
    block_on(length(&db, a))?;
    block_on(length(&db, b))?;

    // Another entity, which no query read: both memos revalidate, nothing runs.
    File::new(&db, "c.md".into(), "unread".into(), vec![])?;
    assert_eq!(block_on(length(&db, a))?, 5);
    assert_eq!(block_on(length(&db, b))?, 2);
    assert_eq!(stats(&db).executed, 2);

    // The text of `a`: only `length(a)` runs again.
    a.set_text(&db, "hello!".into())?;
    assert_eq!(block_on(length(&db, a))?, 6);
    assert_eq!(block_on(length(&db, b))?, 2);
    assert_eq!(stats(&db).executed, 3);
    Ok(())
}

#[test]
fn an_entity_is_one_input_so_any_field_change_reaches_its_readers() -> PicanteResult<()> {
    // As in picante 1.0, an entity's fields are stored together: a reader of `text` runs
    // again when `tags` change, and early cutoff stops the change at its unchanged result.
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "abcd".into(), vec![])?;
    assert!(block_on(even(&db, a))?);
    a.set_tags(&db, vec!["new".into()])?;
    assert!(block_on(even(&db, a))?);
    assert_eq!(stats(&db).executed, 3, "length twice, even once");
    Ok(())
}

#[test]
fn an_equal_result_stops_invalidation_early_cutoff() -> PicanteResult<()> {
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "abcd".into(), vec![])?;
    assert!(block_on(even(&db, a))?);
    assert_eq!(stats(&db).executed, 2);
    // Same length: `length` runs again and returns 4; `even` is revalidated, not run.
    a.set_text(&db, "wxyz".into())?;
    assert!(block_on(even(&db, a))?);
    assert_eq!(stats(&db).executed, 3);
    // Another length: both run.
    a.set_text(&db, "abc".into())?;
    assert!(!block_on(even(&db, a))?);
    assert_eq!(stats(&db).executed, 5);
    Ok(())
}

#[test]
fn several_parameters_and_no_parameters_are_keys_too() -> PicanteResult<()> {
    let db = App::new("test");
    Settings::set(&db, "Blog".into())?;
    let a = File::new(&db, "a.md".into(), "to be".into(), vec![])?;
    let (title, word) = block_on(headline(&db, a, true))?;
    assert_eq!((title.as_str(), word.text(&db)?.as_str()), ("Blog", "TO"));
    assert_eq!(block_on(headline(&db, a, false))?.1, Word::new(&db, "to".into())?);
    assert_eq!(stats(&db).executed, 2);

    assert_eq!(block_on(title_length(&db))?, 4);
    assert_eq!(block_on(title_length(&db))?, 4);
    Settings::set(&db, "Notes!".into())?;
    assert_eq!(block_on(title_length(&db))?, 6);
    assert_eq!(stats(&db).executed, 4, "headline x2, then title_length once per title");
    Ok(())
}

#[test]
fn high_durability_inputs_let_memos_skip_revalidation() -> PicanteResult<()> {
    let db = App::new("test");
    let stable =
        File::new_with_durability(&db, "lib.md".into(), "std".into(), vec![], Durability::High)?;
    block_on(length(&db, stable))?;
    // A low-durability edit elsewhere: the memo is valid without looking at what it read.
    Settings::set(&db, "Blog".into())?;
    assert_eq!(block_on(length(&db, stable))?, 3);
    assert_eq!((stats(&db).executed, stats(&db).durability_skips), (1, 1));
    Ok(())
}

fn scratch_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("picante-macros-{name}-{}.bin", std::process::id()))
}

#[test]
fn a_saved_database_loads_into_a_new_one_that_then_revalidates() -> PicanteResult<()> {
    let path = scratch_file("round-trip");
    let db = App::new("first");
    let a = File::new(&db, "a.md".into(), "abcd".into(), vec![])?;
    Settings::set(&db, "Blog".into())?;
    assert!(block_on(even(&db, a))?);
    let (_, word) = block_on(headline(&db, a, false))?;
    db.save_to_cache(&path)?;

    let fresh = App::new("second");
    let load = fresh.load_from_cache(&path)?;
    assert!(load.loaded && load.warnings.is_empty(), "{load:?}");
    // Handles are ids: the same ones name the same entities after the load.
    assert_eq!(a.text(&fresh)?, "abcd");
    assert_eq!(word.text(&fresh)?, "abcd");
    assert!(block_on(even(&fresh, a))?);
    assert_eq!(block_on(headline(&fresh, a, false))?.1, word);
    assert_eq!(stats(&fresh).executed, 0, "nothing recomputed after the load");

    // An edit recomputes exactly its readers.
    a.set_text(&fresh, "abc".into())?;
    assert!(!block_on(even(&fresh, a))?);
    assert_eq!(stats(&fresh).executed, 2);
    std::fs::remove_file(&path).ok();
    Ok(())
}

#[test]
fn the_persist_functions_take_the_listed_ingredients() -> PicanteResult<()> {
    let path = scratch_file("functions");
    let db = App::new("first");
    let a = File::new(&db, "a.md".into(), "abcd".into(), vec![])?;
    block_on(length(&db, a))?;
    let ingredients = db.persistable_ingredients();
    assert_eq!(ingredients.len(), 3 * 2 + 1 + 4, "keys and data per input, one per other item");
    picante::persist::save_cache(&path, db.runtime(), &ingredients)?;

    let fresh = App::new("second");
    picante::persist::load_cache(&path, fresh.runtime(), &fresh.persistable_ingredients())?;
    assert_eq!(block_on(length(&fresh, a))?, 4);
    assert_eq!(stats(&fresh).executed, 0);
    assert_eq!(fresh.ingredient_registry().iter().count(), 11);
    std::fs::remove_file(&path).ok();
    Ok(())
}

#[test]
fn the_combined_trait_bounds_a_generic_caller() -> PicanteResult<()> {
    fn count_of<DB: AppTrait>(db: &DB, file: File) -> PicanteResult<usize> {
        block_on(length(db, file))
    }
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "abc".into(), vec![])?;
    assert_eq!(count_of(&db, a)?, 3);
    let _: Arc<String> = a.path(&db)?;
    Ok(())
}

#[test]
fn a_snapshot_of_a_macro_database_reads_through_the_same_handles() -> PicanteResult<()> {
    let db = App::new("test");
    let a = File::new(&db, "a.md".into(), "four".into(), vec![])?;
    assert_eq!(block_on(length(&db, a))?, 4);
    let before = picante::Snapshot::new(&db);
    a.set_text(&db, "seven!!".into())?;
    assert_eq!(block_on(before.read(|db| length(db, a)))?, 4);
    assert_eq!(block_on(before.read(|db| async move { a.text(db) }))?, "four");
    assert_eq!(block_on(length(&db, a))?, 7);
    Ok(())
}
