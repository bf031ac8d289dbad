//! `#[picante::input]`: a struct becomes an input entity.
//!
//! With one `#[key]` field, `Page { #[key] path: String, text: String }` becomes a handle,
//! `Page(InternId)`, over two ingredients: `PageKeysIngredient` interns the key, and
//! `PageDataIngredient` holds the other fields, a `PageData` per id. `Page::new(db, path,
//! text)` creates or updates one; `page.text(db)` reads a field (a tracked read); `page.path(db)`
//! reads the key; `page.set_text(db, text)` replaces one field.
//!
//! Without a `#[key]` field the struct is a singleton: `Config::set(db, …)`,
//! `Config::get(db)`, `Config::field(db)`. It keeps the same two ingredients (the key is `()`),
//! so that `#[picante::db]`, which sees only the name, handles both shapes alike.

use unsynn::{Ident, Literal, ToTokens, TokenStream, quote};

use crate::names::snake;
use crate::parse::{Error, Field, Result, StructItem, entity_fields, parse_struct};
use crate::tokens::{comma_list, doc, ident};

const MACRO: &str = "#[picante::input]";

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    if let Some(token) = attr.into_iter().next() {
        return Err(Error::new(token.span(), "picante: #[picante::input] takes no arguments"));
    }
    let item = parse_struct(item, MACRO)?;
    let fields = entity_fields(&item, MACRO)?;
    let mut key: Option<&Field> = None;
    for field in fields {
        if let Some(attr) = field.attrs.iter().find(|a| a.is_bare("key")) {
            if key.is_some() {
                return Err(Error::new(
                    attr.span(),
                    "picante: an input has at most one #[key] field (use a tuple or a struct \
                     as the key)",
                ));
            }
            key = Some(field);
        }
    }
    let data: Vec<&Field> =
        fields.iter().filter(|f| key.is_none_or(|k| k.name != f.name)).collect();
    let methods: &[&str] = match key {
        Some(_) => &["new", "new_with_durability", "data"],
        None => &["set", "set_with_durability", "get"],
    };
    for field in fields {
        if methods.iter().any(|m| field.name == m) {
            return Err(Error::new(
                field.name.span(),
                format!(
                    "picante: `{}` is a method of the generated handle; rename the field",
                    field.name
                ),
            ));
        }
        // The generated methods take `db` and `durability` beside one parameter per field.
        if field.name == "db" || field.name == "durability" {
            return Err(Error::new(
                field.name.span(),
                format!(
                    "picante: `{}` names a parameter of the generated methods; rename the field",
                    field.name
                ),
            ));
        }
    }
    let names = Names::of(&item.name);
    let shared = shared_items(&item, &names, key, &data);
    let handle = match key {
        Some(key) => keyed_handle(&item, &names, key, &data),
        None => singleton_handle(&item, &names, &data),
    };
    Ok(quote! { #shared #handle })
}

/// The generated names of one input.
struct Names {
    /// `Page`, as written.
    handle: Ident,
    /// `"Page"`
    label: String,
    data: Ident,
    keys_ty: Ident,
    data_ty: Ident,
    has_trait: Ident,
    keys_getter: Ident,
    data_getter: Ident,
}

impl Names {
    fn of(handle: &Ident) -> Names {
        let label = handle.to_string();
        let snake = snake(&label);
        Names {
            handle: handle.clone(),
            data: ident(&format!("{label}Data")),
            keys_ty: ident(&format!("{label}KeysIngredient")),
            data_ty: ident(&format!("{label}DataIngredient")),
            has_trait: ident(&format!("Has{label}Ingredient")),
            keys_getter: ident(&format!("{snake}_keys")),
            data_getter: ident(&format!("{snake}_data")),
            label,
        }
    }
}

/// The data struct, both ingredient types, the trait and the constructors.
fn shared_items(item: &StructItem, n: &Names, key: Option<&Field>, data: &[&Field]) -> TokenStream {
    let Names { data: data_struct, keys_ty, data_ty, has_trait, keys_getter, data_getter, .. } = n;
    let label = &n.label;
    let vis = &item.vis;
    let key_ty = key.map_or_else(|| quote! { () }, |k| k.ty.clone());
    let (docs, others): (Vec<_>, Vec<_>) = item.attrs.iter().cloned().partition(|a| a.is_doc());
    let data_fields = comma_list(data.iter().map(|f| {
        let (attrs, vis, name, ty) = (&f.attrs, &f.vis, &f.name, &f.ty);
        quote! { #attrs #vis #name: #ty }
    }));
    let field_checks = data.iter().map(|f| {
        let ty = &f.ty;
        quote! { let _ = field_is_an_input_value::<#ty>; }
    });
    let field_checks: TokenStream = field_checks.collect();
    let keys_name = Literal::string(&format!("{label}::keys"));
    let data_name = Literal::string(&format!("{label}::data"));
    let keys_doc = doc(&format!("Interns the keys of the input [`{label}`]: key to id."));
    let data_ty_doc = doc(&format!("Holds the fields of each [`{label}`], by id."));
    let data_doc = doc(&format!("The fields of one [`{label}`] (all but the key), as stored."));
    let trait_doc = doc(&format!(
        "A database that holds the input [`{label}`] (implemented by `#[picante::db]`)."
    ));
    let keys_getter_doc = doc(&format!("The [`{keys_ty}`] of this database."));
    let data_getter_doc = doc(&format!("The [`{data_ty}`] of this database."));
    let make_keys = ident(&format!("make_{}_keys", snake(label)));
    let make_data = ident(&format!("make_{}_data", snake(label)));
    let make_keys_doc = doc(&format!("A new, empty [`{keys_ty}`] registered as `kind`."));
    let make_data_doc = doc(&format!("A new, empty [`{data_ty}`] registered as `kind`."));
    quote! {
        #keys_doc
        #[allow(dead_code)]
        #vis type #keys_ty = ::picante::InternedIngredient<#key_ty>;

        #data_ty_doc
        #[allow(dead_code)]
        #vis type #data_ty =
            ::picante::InputIngredient<::picante::InternId, #data_struct>;

        // The key and field bounds, checked here so that an error names the type.
        const _: () = {
            fn key_is_an_input_key<K>()
            where
                K: ::core::clone::Clone + ::core::cmp::Eq + ::core::hash::Hash
                    + ::picante::__private::facet::Facet<'static>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {}
            #[allow(dead_code)]
            fn field_is_an_input_value<T>()
            where
                T: ::core::clone::Clone + ::picante::__private::facet::Facet<'static>
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {}
            let _ = key_is_an_input_key::<#key_ty>;
            #field_checks
        };

        #data_doc
        #docs
        #others
        #[derive(::core::clone::Clone, ::picante::__private::facet::Facet)]
        #[facet(crate = ::picante::__private::facet)]
        #[allow(dead_code)]
        #vis struct #data_struct { #data_fields }

        #trait_doc
        #[allow(dead_code)]
        #vis trait #has_trait: ::picante::HasRuntime {
            #keys_getter_doc
            fn #keys_getter(&self) -> &#keys_ty;
            #data_getter_doc
            fn #data_getter(&self) -> &#data_ty;
        }

        #make_keys_doc
        #[allow(dead_code)]
        #vis fn #make_keys(kind: ::picante::QueryKindId) -> ::std::sync::Arc<#keys_ty> {
            ::std::sync::Arc::new(::picante::InternedIngredient::new(kind, #keys_name))
        }

        #make_data_doc
        #[allow(dead_code)]
        #vis fn #make_data(kind: ::picante::QueryKindId) -> ::std::sync::Arc<#data_ty> {
            ::std::sync::Arc::new(::picante::InputIngredient::new(kind, #data_name))
        }
    }
}

/// `name: Type,` for each field.
fn params(fields: &[&Field]) -> TokenStream {
    comma_list(fields.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        quote! { #name: #ty }
    }))
}

/// `Data { a, b, }`, from variables of the fields' names.
fn data_literal(n: &Names, fields: &[&Field]) -> TokenStream {
    let data = &n.data;
    let names = comma_list(fields.iter().map(|f| f.name.to_token_stream()));
    quote! { #data { #names } }
}

fn keyed_handle(item: &StructItem, n: &Names, key: &Field, data: &[&Field]) -> TokenStream {
    let Names { handle, data: data_struct, has_trait, keys_getter, data_getter, .. } = n;
    let label = &n.label;
    let label_literal = Literal::string(label);
    let vis = &item.vis;
    let docs: Vec<_> = item.attrs.iter().filter(|a| a.is_doc()).cloned().collect();
    let (key_name, key_ty) = (&key.name, &key.ty);
    let params = params(data);
    let args = comma_list(data.iter().map(|f| f.name.to_token_stream()));
    let literal = data_literal(n, data);
    let handle_doc = doc(&format!(
        "\n\nAn input entity (`#[picante::input]`): a copyable id whose key is interned in \
         [`{label}KeysIngredient`] and whose fields live in [`{label}DataIngredient`]; read \
         them with the getters (each read inside a tracked function is a dependency)."
    ));
    let new_doc = doc(&format!(
        "Creates the [`{label}`] of key `{key_name}` with these fields, or updates it (a new \
         revision only if a field changed). At low durability."
    ));
    let getters = data.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        let getter_doc = doc(&format!(
            "The field `{name}`; a dependency when read inside a tracked function. An error \
             if this entity has no data in this database."
        ));
        let setter = ident(&format!("set_{name}"));
        let setter_doc = doc(&format!(
            "Replaces the field `{name}`, keeping the others (read first: an error if the \
             entity has no data), at low durability. Not atomic with another setter of the \
             same entity: to write several fields at once use `new`."
        ));
        let others: Vec<&&Field> = data.iter().filter(|o| o.name != f.name).collect();
        // The other fields move out of the current value (struct update syntax).
        let data_value = if others.is_empty() {
            quote! { #data_struct { #name } }
        } else {
            quote! { #data_struct { #name, ..self.data(db)? } }
        };
        quote! {
            #getter_doc
            #[inline]
            #vis fn #name<DB: #has_trait>(self, db: &DB) -> ::picante::PicanteResult<#ty> {
                let value = db.#data_getter().get_with(db, &self.0, |data| {
                    data.map(|data| ::core::clone::Clone::clone(&data.#name))
                })?;
                value.ok_or_else(|| self.__picante_missing(db))
            }

            #setter_doc
            #vis fn #setter<DB: #has_trait>(self, db: &DB, #name: #ty)
                -> ::picante::PicanteResult<::picante::Revision>
            {
                db.#data_getter().set(db, self.0, #data_value)
            }
        }
    });
    let getters: TokenStream = getters.collect();
    quote! {
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
            #new_doc
            #vis fn new<DB: #has_trait>(db: &DB, #key_name: #key_ty, #params)
                -> ::picante::PicanteResult<Self>
            {
                Self::new_with_durability(db, #key_name, #args ::picante::Durability::Low)
            }

            /// As `new`, with the fields' durability: a memo that read only inputs of
            /// higher durability than an edit skips revalidation after it.
            #vis fn new_with_durability<DB: #has_trait>(
                db: &DB,
                #key_name: #key_ty,
                #params
                durability: ::picante::Durability,
            ) -> ::picante::PicanteResult<Self> {
                let __picante_id = db.#keys_getter().intern(#key_name)?;
                let __picante_data = #literal;
                db.#data_getter().set_with_durability(db, __picante_id, __picante_data, durability)?;
                ::core::result::Result::Ok(Self(__picante_id))
            }

            /// The key this entity was created with (never changes, so not a dependency).
            #vis fn #key_name<DB: #has_trait>(self, db: &DB)
                -> ::picante::PicanteResult<::std::sync::Arc<#key_ty>>
            {
                db.#keys_getter().get(db, self.0)
            }

            /// All fields at once (a clone); a dependency when read inside a tracked function.
            /// An error if this entity has no data in this database.
            #vis fn data<DB: #has_trait>(self, db: &DB)
                -> ::picante::PicanteResult<#data_struct>
            {
                let data = db.#data_getter().get(db, &self.0)?;
                data.ok_or_else(|| self.__picante_missing(db))
            }

            #getters

            /// The error for a read of this entity's data when it has none.
            #[cold]
            #[inline(never)]
            fn __picante_missing<DB: #has_trait>(self, db: &DB) -> ::std::sync::Arc<::picante::PicanteError> {
                match db.#keys_getter().get(db, self.0) {
                    ::core::result::Result::Ok(key) => {
                        ::picante::__private::missing_input(#label_literal, &*key)
                    }
                    ::core::result::Result::Err(error) => error,
                }
            }
        }
    }
}

fn singleton_handle(item: &StructItem, n: &Names, data: &[&Field]) -> TokenStream {
    let Names { handle, data: data_struct, has_trait, keys_getter, data_getter, .. } = n;
    let label = &n.label;
    let vis = &item.vis;
    let docs: Vec<_> = item.attrs.iter().filter(|a| a.is_doc()).cloned().collect();
    let params = params(data);
    let args = comma_list(data.iter().map(|f| f.name.to_token_stream()));
    let literal = data_literal(n, data);
    let handle_doc = doc(&format!(
        "\n\nA singleton input (`#[picante::input]` without a `#[key]` field): one [`{label}Data`] \
         per database, written with `set` and read with `get` or a field getter."
    ));
    let getters = data.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        let getter_doc = doc(&format!(
            "The field `{name}`, or `None` before the first `set`; a dependency when read \
             inside a tracked function."
        ));
        quote! {
            #getter_doc
            #vis fn #name<DB: #has_trait>(db: &DB) -> ::picante::PicanteResult<::core::option::Option<#ty>> {
                let id = db.#keys_getter().intern(())?;
                db.#data_getter().get_with(db, &id, |data| {
                    data.map(|data| ::core::clone::Clone::clone(&data.#name))
                })
            }
        }
    });
    let getters: TokenStream = getters.collect();
    quote! {
        #docs
        #handle_doc
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy)]
        #[allow(dead_code)]
        #vis struct #handle;

        #[allow(dead_code, clippy::too_many_arguments)]
        impl #handle {
            /// Sets the value (a new revision only if a field changed), at low durability.
            #vis fn set<DB: #has_trait>(db: &DB, #params) -> ::picante::PicanteResult<()> {
                Self::set_with_durability(db, #args ::picante::Durability::Low)
            }

            /// As `set`, with the value's durability.
            #vis fn set_with_durability<DB: #has_trait>(
                db: &DB,
                #params
                durability: ::picante::Durability,
            ) -> ::picante::PicanteResult<()> {
                let __picante_id = db.#keys_getter().intern(())?;
                let __picante_data = #literal;
                db.#data_getter().set_with_durability(db, __picante_id, __picante_data, durability)?;
                ::core::result::Result::Ok(())
            }

            /// The value, or `None` before the first `set`; a dependency when read inside a
            /// tracked function.
            #vis fn get<DB: #has_trait>(db: &DB)
                -> ::picante::PicanteResult<::core::option::Option<#data_struct>>
            {
                let id = db.#keys_getter().intern(())?;
                db.#data_getter().get(db, &id)
            }

            #getters
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(item: &str) -> std::result::Result<String, String> {
        let item: TokenStream = item.parse().expect("tokenizes");
        expand(TokenStream::new(), item).map(|t| t.to_string()).map_err(|e| e.message().into())
    }

    #[test]
    fn a_keyed_input_stores_its_other_fields_by_interned_id() {
        let out = expand_str("pub struct Val { #[key] id: u32, value: u64 }").expect("expands");
        assert!(
            out.contains("pub type ValKeysIngredient = :: picante :: InternedIngredient < u32 >"),
            "{out}"
        );
        assert!(out.contains("pub struct ValData { value : u64 , }"), "{out}");
        assert!(out.contains("pub fn set_value < DB : HasValIngredient >"), "{out}");
    }

    #[test]
    fn misuse_is_reported() {
        let cases = [
            ("struct A { #[key] a: u8, #[key] b: u8 }", "at most one #[key]"),
            ("struct A<T> { t: T }", "does not support generics"),
            ("struct A(u8);", "needs named fields"),
            ("struct A;", "needs named fields"),
            ("enum A { B }", "goes on a struct"),
            ("struct A { #[key] k: u8, data: u8 }", "is a method of the generated handle"),
            ("struct A { get: u8 }", "is a method of the generated handle"),
            ("struct A { #[key] k: u8, db: u8 }", "names a parameter"),
            ("struct A { #[key] k: u8, durability: u8 }", "names a parameter"),
        ];
        for (item, expected) in cases {
            let message = expand_str(item).err().unwrap_or_default();
            assert!(message.contains(expected), "{item}: {message}");
        }
    }
}
