//! `#[picante::tracked]`: an async function becomes a memoized derived query.
//!
//! ```text
//! #[picante::tracked]
//! async fn words<DB: HasTextIngredient>(db: &DB, file: Text) -> PicanteResult<usize> { … }
//! ```
//!
//! generates `WordsQuery<DB>` (the `DerivedIngredient` type, keyed by the parameters after
//! `db`, one as itself, several as a tuple), the trait `HasWordsQuery` (how a database hands out
//! the ingredient), `make_words_query::<DB>(kind)` (its constructor, for `#[picante::db]`), and
//! `words(db, file)`: the memoized call, under the function's own name and documentation. The
//! body moves to a private `__picante_impl_words`, the compute function.

use unsynn::{Ident, Literal, ToTokens, TokenStream, TokenTree, quote};

use crate::names::{pascal, snake};
use crate::parse::{Error, FnItem, Param, Result, first_span, parse_fn};
use crate::tokens::{comma_list, doc, ident, parenthesized};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    if let Some(token) = attr.into_iter().next() {
        return Err(Error::new(token.span(), "picante: #[picante::tracked] takes no arguments"));
    }
    let item = parse_fn(item, "#[picante::tracked]")?;
    let signature = check(&item)?;
    Ok(generate(&item, &signature))
}

/// What the checks found out about the function.
struct Signature {
    /// The database's type parameter and its bounds (possibly empty).
    db: Ident,
    db_bounds: TokenStream,
    /// The memo's value type, and whether the function returns `PicanteResult<value>`.
    value: TokenStream,
    returns_result: bool,
}

fn check(item: &FnItem) -> Result<Signature> {
    if let Some(other) = item.qualifiers.iter().find(|q| *q != "async") {
        return Err(Error::new(
            other.span(),
            format!("picante: a tracked function cannot be `{other}`"),
        ));
    }
    if !item.qualifiers.iter().any(|q| q == "async") {
        return Err(Error::new(
            item.fn_token.span(),
            "picante: a tracked function must be `async fn` (queries are futures, driven by any \
             executor)",
        ));
    }
    let (db, db_bounds) = db_parameter(item)?;
    let Some(first) = item.params.first() else {
        return Err(Error::new(
            item.params_span,
            format!("picante: a tracked function takes the database first: `db: &{db}`"),
        ));
    };
    if !is_ref_to(&first.ty, &db) {
        return Err(Error::new(
            first_span(&first.ty, first.name.span()),
            format!(
                "picante: the first parameter of a tracked function is the database, `&{db}` \
                 (a shared reference to the function's type parameter)"
            ),
        ));
    }
    // The generated call takes `db` beside the key's parameters.
    if let Some(clash) = item.params.iter().skip(1).find(|p| p.name == "db") {
        return Err(Error::new(
            clash.name.span(),
            "picante: `db` names the database in the generated call; rename this parameter",
        ));
    }
    let Some(output) = &item.output else {
        return Err(Error::new(
            item.params_span,
            "picante: a tracked function returns its value: add `-> PicanteResult<T>` (or `-> T`)",
        ));
    };
    let (value, returns_result) = match picante_result_ok(output) {
        Some(ok) => (ok, true),
        None => (output.clone(), false),
    };
    Ok(Signature { db, db_bounds, value, returns_result })
}

/// The one type parameter, `DB` or `DB: bounds`.
fn db_parameter(item: &FnItem) -> Result<(Ident, TokenStream)> {
    let missing = || {
        Error::new(
            item.name.span(),
            "picante: a tracked function is generic over its database: \
             `async fn name<DB: HasXIngredient>(db: &DB, …)`",
        )
    };
    let generics = item.generics.as_ref().ok_or_else(missing)?;
    let [param] = generics.as_slice() else {
        let span = generics.get(1).map_or(item.name.span(), |g| first_span(g, item.name.span()));
        return Err(if generics.is_empty() {
            missing()
        } else {
            Error::new(
                span,
                "picante: a tracked function has exactly one type parameter, the database",
            )
        });
    };
    let mut tokens = param.clone().into_iter();
    let db = match tokens.next() {
        Some(TokenTree::Ident(db)) if db != "const" => db,
        other => {
            let span = other.map_or(item.name.span(), |t| t.span());
            return Err(Error::new(
                span,
                "picante: the generic parameter of a tracked function is the database's type \
                 (lifetimes and const parameters are not supported)",
            ));
        }
    };
    let bounds = match tokens.next() {
        None => TokenStream::new(),
        Some(TokenTree::Punct(p)) if p.as_char() == ':' => tokens.collect(),
        Some(other) => {
            return Err(Error::new(
                other.span(),
                "picante: expected `:` and the database's bounds",
            ));
        }
    };
    Ok((db, bounds))
}

/// Whether `ty` is `&DB` or `&'a DB`.
fn is_ref_to(ty: &TokenStream, db: &Ident) -> bool {
    let tokens: Vec<TokenTree> = ty.clone().into_iter().collect();
    let rest = match tokens.as_slice() {
        [TokenTree::Punct(amp), rest @ ..] if amp.as_char() == '&' => rest,
        _ => return false,
    };
    let rest = match rest {
        [TokenTree::Punct(q), TokenTree::Ident(_), rest @ ..] if q.as_char() == '\'' => rest,
        _ => rest,
    };
    matches!(rest, [TokenTree::Ident(i)] if i == db)
}

/// `T` when `output` is `PicanteResult<T>` (by any path ending in `PicanteResult`).
fn picante_result_ok(output: &TokenStream) -> Option<TokenStream> {
    let tokens: Vec<TokenTree> = output.clone().into_iter().collect();
    let open =
        tokens.iter().position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '<'))?;
    let named = matches!(&tokens[..open], [.., TokenTree::Ident(i)] if i == "PicanteResult");
    let closes = matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == '>');
    (named && closes && open + 2 < tokens.len())
        .then(|| tokens[open + 1..tokens.len() - 1].iter().cloned().collect())
}

fn generate(item: &FnItem, signature: &Signature) -> TokenStream {
    let name = &item.name;
    let vis = &item.vis;
    let snake_name = snake(&name.to_string());
    let pascal_name = pascal(&name.to_string());
    let query_ty = ident(&format!("{pascal_name}Query"));
    let has_trait = ident(&format!("Has{pascal_name}Query"));
    let getter = ident(&format!("{snake_name}_query"));
    let make = ident(&format!("make_{snake_name}_query"));
    let body_fn = ident(&format!("__picante_impl_{snake_name}"));
    let name_literal = Literal::string(&name.to_string());

    let keys: &[Param] = &item.params[1..];
    let key_names: Vec<&Ident> = keys.iter().map(|p| &p.name).collect();
    let (key_ty, key_expr) = match keys {
        [] => (quote! { () }, quote! { () }),
        [one] => (one.ty.clone(), one.name.to_token_stream()),
        many => (
            parenthesized(many.iter().map(|p| p.ty.clone())),
            parenthesized(many.iter().map(|p| p.name.to_token_stream())),
        ),
    };
    let key_params = comma_list(keys.iter().map(|p| {
        let (name, ty) = (&p.name, &p.ty);
        quote! { #name: #ty }
    }));
    let body_params = comma_list(item.params.iter().map(|p| {
        let (attrs, mutability, name, ty) = (&p.attrs, &p.mutability, &p.name, &p.ty);
        quote! { #attrs #mutability #name: #ty }
    }));
    let call_args = comma_list(key_names.iter().map(|n| n.to_token_stream()));
    let value = &signature.value;
    // The boxed future is the body's own future when it returns `PicanteResult` (no wrapping
    // state machine, so a deep chain of queries uses no more stack than hand-written ones).
    let compute = if signature.returns_result {
        quote! { ::std::boxed::Box::pin(#body_fn(db, #call_args)) }
    } else {
        quote! {
            ::std::boxed::Box::pin(async move {
                ::core::result::Result::Ok(#body_fn(db, #call_args).await)
            })
        }
    };

    let db = &signature.db;
    let db_bounds = &signature.db_bounds;
    // The user's bounds then ours: `DB: HasA + ::picante::HasRuntime + …`.
    let user_bounds = if db_bounds.is_empty() {
        TokenStream::new()
    } else {
        quote! { #db_bounds + }
    };
    let extra_where = &item.where_clause;
    let output = item.output.clone().unwrap_or_default();
    let body = &item.body;
    let (docs, others): (Vec<_>, Vec<_>) = item.attrs.iter().cloned().partition(|a| a.is_doc());
    // `#[inline(..)]` goes on `compute`, the function the runtime calls to start the query (as
    // on a hand-written compute function); the body is then built straight into its box,
    // where a body kept out of line would return its future to be copied in.
    let (inline, others): (Vec<_>, Vec<_>) = others.into_iter().partition(|a| a.is_named("inline"));

    let query_doc = doc(&format!(
        "The derived ingredient of the tracked function [`{name}`]: its memos, keyed by \
         its parameters after the database."
    ));
    let trait_doc = doc(&format!(
        "A database that holds the [`{query_ty}`] ingredient (implemented by `#[picante::db]`)."
    ));
    let getter_doc = doc(&format!("The [`{query_ty}`] ingredient of this database."));
    let make_doc = doc(&format!(
        "A new, empty [`{query_ty}`] registered as `kind` (what `#[picante::db]` calls)."
    ));
    let wrapper_doc = doc(&format!(
        "\n\nMemoized (`#[picante::tracked]`): computed once per key and revision, \
         revalidated through what it read after an input changes. The computation is \
         `{name}`'s body."
    ));

    quote! {
        #query_doc
        #[allow(dead_code)]
        #vis type #query_ty<DB> = ::picante::DerivedIngredient<DB, #key_ty, #value>;

        // The key and value bounds, checked here so that an error names the type.
        const _: () = {
            fn key_is_a_query_key<K>()
            where
                K: ::core::clone::Clone + ::core::cmp::Eq + ::core::hash::Hash
                    + ::picante::__private::facet::Facet<'static>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {}
            fn value_is_a_query_value<V>()
            where
                V: ::core::clone::Clone + ::picante::__private::facet::Facet<'static>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {}
            let _ = key_is_a_query_key::<#key_ty>;
            let _ = value_is_a_query_value::<#value>;
        };

        #trait_doc
        #[allow(dead_code)]
        #vis trait #has_trait:
            ::picante::HasRuntime + ::picante::IngredientLookup
            + ::core::marker::Sized + ::core::marker::Send + ::core::marker::Sync + 'static
        {
            #getter_doc
            fn #getter(&self) -> &#query_ty<Self>;
        }

        #make_doc
        #[allow(dead_code)]
        #vis fn #make<#db>(kind: ::picante::QueryKindId) -> ::std::sync::Arc<#query_ty<#db>>
        where
            #db: #user_bounds ::picante::HasRuntime + ::picante::IngredientLookup
                + ::core::marker::Send + ::core::marker::Sync + 'static,
            #extra_where
        {
            #inline
            fn compute<#db>(db: &#db, key: #key_ty)
                -> ::picante::BoxFuture<'_, ::picante::PicanteResult<#value>>
            where
                #db: #user_bounds ::picante::HasRuntime + ::picante::IngredientLookup
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
                #extra_where
            {
                let #{parenthesized_pattern(&key_names)} = key;
                #compute
            }
            ::std::sync::Arc::new(::picante::DerivedIngredient::new(kind, #name_literal, compute::<#db>))
        }

        #docs
        #wrapper_doc
        // Not an `async fn`: it returns the ingredient's own future, one state machine less
        // per level of a deep chain.
        #[inline]
        #vis fn #name<DB: #has_trait>(db: &DB, #key_params)
            -> impl ::core::future::Future<Output = ::picante::PicanteResult<#value>> + '_
        {
            db.#getter().get(db, #key_expr)
        }

        #others
        #[doc(hidden)]
        async fn #body_fn<#db: #db_bounds>(#body_params) -> #output
        where
            #extra_where
        #body
    }
}

/// `(a, b)`, or `a` alone, or `()`: how the key is taken apart again.
fn parenthesized_pattern(names: &[&Ident]) -> Option<TokenStream> {
    Some(match names {
        [one] => one.to_token_stream(),
        many => parenthesized(many.iter().map(|n| n.to_token_stream())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(source: &str) -> std::result::Result<String, String> {
        let item: TokenStream = source.parse().expect("tokenizes");
        expand(TokenStream::new(), item).map(|t| t.to_string()).map_err(|e| e.message().to_string())
    }

    #[test]
    fn several_parameters_make_a_tuple_key() {
        let out = expand_str(
            "async fn chain<DB: HasVal>(db: &DB, root: Val, i: u32) -> PicanteResult<u64> { x }",
        )
        .expect("expands");
        assert!(out.contains("type ChainQuery < DB > = :: picante :: DerivedIngredient < DB , (Val , u32 ,) , u64 >"), "{out}");
        assert!(out.contains("let (root , i ,) = key ;"), "{out}");
        let out =
            expand_str("#[inline(never)] #[allow(unused)] async fn f<DB>(db: &DB) -> u8 { 1 }")
                .expect("expands");
        assert!(out.contains("# [inline (never)] fn compute"), "{out}");
        assert!(
            out.contains("# [allow (unused)] # [doc (hidden)] async fn __picante_impl_f"),
            "{out}"
        );
    }

    #[test]
    fn a_plain_return_type_is_wrapped_in_ok() {
        let out = expand_str("async fn f<DB>(db: &DB) -> u8 { 1 }").expect("expands");
        assert!(out.contains("Ok (__picante_impl_f (db ,) . await)"), "{out}");
        let out =
            expand_str("async fn f<DB>(db: &DB) -> PicanteResult<u8> { Ok(1) }").expect("expands");
        assert!(out.contains("Box :: pin (__picante_impl_f (db ,))"), "{out}");
    }

    #[test]
    fn misuse_is_reported() {
        let cases = [
            ("fn f<DB>(db: &DB) -> u8 { 1 }", "must be `async fn`"),
            ("async fn f(db: &Db) -> u8 { 1 }", "generic over its database"),
            ("async fn f<DB>(db: DB) -> u8 { 1 }", "first parameter"),
            ("async fn f<DB>(k: u32, db: &DB) -> u8 { 1 }", "first parameter"),
            ("async fn f<DB>(db: &DB) { }", "returns its value"),
            ("async fn f<DB, T>(db: &DB) -> u8 { 1 }", "exactly one type parameter"),
            ("async fn f<'a>(db: &'a u8) -> u8 { 1 }", "lifetimes"),
            ("async unsafe fn f<DB>(db: &DB) -> u8 { 1 }", "cannot be `unsafe`"),
            ("async fn f<DB>(database: &DB, db: u8) -> u8 { 1 }", "rename this parameter"),
        ];
        for (source, expected) in cases {
            let message = expand_str(source).err().unwrap_or_default();
            assert!(message.contains(expected), "{source}: {message}");
        }
    }

    #[test]
    fn the_result_type_is_recognized_by_its_last_segment() {
        let ok = |s: &str| picante_result_ok(&s.parse().expect("tokens")).map(|t| t.to_string());
        assert_eq!(ok("picante::PicanteResult<Vec<u8>>").as_deref(), Some("Vec < u8 >"));
        assert_eq!(ok("Result<u8, E>"), None);
        assert_eq!(ok("u8"), None);
    }
}
