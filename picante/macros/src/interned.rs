//! `#[picante::interned]`: a struct becomes an interned entity.
//!
//! `Link { root: u32, i: u32 }` becomes a handle, `Link(InternId)`, over one
//! `InternedIngredient<LinkData>`: `Link::new(db, root, i)` returns the same handle for equal
//! fields, `link.root(db)` reads a field, `link.value(db)` all of them. Interned values never
//! change, so reading one is not a dependency; handles are cheap keys for tracked functions.

use unsynn::{Literal, ToTokens, TokenStream, quote};

use crate::names::snake;
use crate::parse::{Error, Result, entity_fields, parse_struct};
use crate::tokens::{comma_list, doc, ident};

const MACRO: &str = "#[picante::interned]";

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    if let Some(token) = attr.into_iter().next() {
        return Err(Error::new(token.span(), "picante: #[picante::interned] takes no arguments"));
    }
    let item = parse_struct(item, MACRO)?;
    let fields = entity_fields(&item, MACRO)?;
    if let Some(key) = fields.iter().flat_map(|f| &f.attrs).find(|a| a.is_bare("key")) {
        return Err(Error::new(
            key.span(),
            "picante: an interned struct has no #[key] field: all its fields are its identity",
        ));
    }
    if let Some(field) = fields.iter().find(|f| f.name == "new" || f.name == "value") {
        return Err(Error::new(
            field.name.span(),
            format!(
                "picante: `{}` is a method of the generated handle; rename the field",
                field.name
            ),
        ));
    }
    // `new` takes `db` beside one parameter per field.
    if let Some(field) = fields.iter().find(|f| f.name == "db") {
        return Err(Error::new(
            field.name.span(),
            "picante: `db` names the database parameter of `new`; rename the field",
        ));
    }

    let vis = &item.vis;
    let handle = &item.name;
    let label = handle.to_string();
    let snake_label = snake(&label);
    let data = ident(&format!("{label}Data"));
    let ingredient_ty = ident(&format!("{label}Ingredient"));
    let has_trait = ident(&format!("Has{label}Ingredient"));
    let getter = ident(&format!("{snake_label}_ingredient"));
    let make = ident(&format!("make_{snake_label}_ingredient"));
    let label_literal = Literal::string(&label);
    let (docs, others): (Vec<_>, Vec<_>) = item.attrs.iter().cloned().partition(|a| a.is_doc());

    let data_fields = comma_list(fields.iter().map(|f| {
        let (attrs, vis, name, ty) = (&f.attrs, &f.vis, &f.name, &f.ty);
        quote! { #attrs #vis #name: #ty }
    }));
    let params = comma_list(fields.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        quote! { #name: #ty }
    }));
    let names = comma_list(fields.iter().map(|f| f.name.to_token_stream()));
    let field_checks: TokenStream = fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            quote! { let _ = field_is_interned::<#ty>; }
        })
        .collect();
    let getters: TokenStream = fields
        .iter()
        .map(|f| {
            let (name, ty) = (&f.name, &f.ty);
            let getter_doc = doc(&format!("The field `{name}`."));
            quote! {
                #getter_doc
                #vis fn #name<DB: #has_trait>(self, db: &DB) -> ::picante::PicanteResult<#ty> {
                    ::core::result::Result::Ok(::core::clone::Clone::clone(&self.value(db)?.#name))
                }
            }
        })
        .collect();

    let ingredient_doc = doc(&format!("Interns the values of [`{label}`]: value to id."));
    let data_doc = doc(&format!("The fields of one interned [`{label}`]."));
    let trait_doc = doc(&format!(
        "A database that holds the interned [`{label}`] (implemented by `#[picante::db]`)."
    ));
    let getter_doc = doc(&format!("The [`{ingredient_ty}`] of this database."));
    let make_doc = doc(&format!("A new, empty [`{ingredient_ty}`] registered as `kind`."));
    let handle_doc = doc(&format!(
        "\n\nAn interned entity (`#[picante::interned]`): equal fields give the same copyable \
         id, kept in [`{ingredient_ty}`]."
    ));

    Ok(quote! {
        #ingredient_doc
        #[allow(dead_code)]
        #vis type #ingredient_ty = ::picante::InternedIngredient<#data>;

        // The field bounds, checked here so that an error names the type.
        const _: () = {
            #[allow(dead_code)]
            fn field_is_interned<T>()
            where
                T: ::core::clone::Clone + ::core::cmp::Eq + ::core::hash::Hash
                    + ::picante::__private::facet::Facet<'static>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {}
            #field_checks
        };

        #data_doc
        #docs
        #others
        #[derive(
            ::core::clone::Clone, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash,
            ::picante::__private::facet::Facet,
        )]
        #[facet(crate = ::picante::__private::facet)]
        #[allow(dead_code)]
        #vis struct #data { #data_fields }

        #trait_doc
        #[allow(dead_code)]
        #vis trait #has_trait: ::picante::HasRuntime {
            #getter_doc
            fn #getter(&self) -> &#ingredient_ty;
        }

        #make_doc
        #[allow(dead_code)]
        #vis fn #make(kind: ::picante::QueryKindId) -> ::std::sync::Arc<#ingredient_ty> {
            ::std::sync::Arc::new(::picante::InternedIngredient::new(kind, #label_literal))
        }

        #docs
        #handle_doc
        #[derive(
            ::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy,
            ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash,
            ::picante::__private::facet::Facet,
        )]
        #[facet(crate = ::picante::__private::facet)]
        #[repr(transparent)]
        #[allow(dead_code)]
        #vis struct #handle(pub ::picante::InternId);

        #[allow(dead_code, clippy::too_many_arguments)]
        impl #handle {
            /// The handle of these fields: the same for equal fields, a new one otherwise.
            #vis fn new<DB: #has_trait>(db: &DB, #params) -> ::picante::PicanteResult<Self> {
                let __picante_id = db.#getter().intern(#data { #names })?;
                ::core::result::Result::Ok(Self(__picante_id))
            }

            /// All fields at once.
            #vis fn value<DB: #has_trait>(self, db: &DB)
                -> ::picante::PicanteResult<::std::sync::Arc<#data>>
            {
                db.#getter().get(db, self.0)
            }

            #getters
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(item: &str) -> std::result::Result<String, String> {
        let item: TokenStream = item.parse().expect("tokenizes");
        expand(TokenStream::new(), item).map(|t| t.to_string()).map_err(|e| e.message().into())
    }

    #[test]
    fn interned_data_derives_what_the_interner_hashes_with() {
        let out = expand_str("pub struct Word { text: String }").expect("expands");
        assert!(
            out.contains("pub type WordIngredient = :: picante :: InternedIngredient < WordData >"),
            "{out}"
        );
        assert!(out.contains(":: core :: hash :: Hash"), "{out}");
    }

    #[test]
    fn misuse_is_reported() {
        let cases = [
            ("struct A { #[key] a: u8 }", "no #[key] field"),
            ("struct A<T> { t: T }", "does not support generics"),
            ("struct A(u8);", "needs named fields"),
            ("struct A { value: u8 }", "is a method of the generated handle"),
            ("struct A { db: u8 }", "rename the field"),
        ];
        for (item, expected) in cases {
            let message = expand_str(item).err().unwrap_or_default();
            assert!(message.contains(expected), "{item}: {message}");
        }
    }
}
