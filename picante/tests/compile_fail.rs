//! Misuse of the macros: each file under `compile_fail/` must fail to compile with the error,
//! at the span, that its `.stderr` records. `TRYBUILD=overwrite cargo test -p picante --test
//! compile_fail` rewrites them after a deliberate change of a message.

#[test]
fn misuse_of_the_macros_is_a_clear_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
