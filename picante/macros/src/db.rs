//! `#[picante::db(inputs(..), interned(..), tracked(..), db_trait(Name))]`: the database.
//!
//! The struct gets a `Runtime`, an `IngredientRegistry` and one field per ingredient of the
//! listed items (made with their `make_*` constructors and registered), plus its own fields,
//! which become the parameters of `new`. It implements `HasRuntime`, `IngredientLookup` and
//! every item's `Has…` trait, and a combined trait (`{Name}Trait`, or `db_trait(..)`) that
//! bounds them all. `persistable_ingredients()` lists every ingredient for
//! `picante::persist::{save_cache, load_cache}`, which `save_to_cache` and `load_from_cache`
//! call.
//!
//! Kinds are numbered in the order the items are listed (inputs, interned, tracked), from 1:
//! small dense numbers are what the registry looks up fastest. A cache file names each section
//! by kind and checks its name and types, so reordering the list never loads a wrong section;
//! it only drops the moved ones (append new items to keep a cache).

use std::collections::HashSet;

use unsynn::{Delimiter, Ident, Literal, Span, ToTokens, TokenStream, TokenTree, quote};

use crate::names::{pascal, snake};
use crate::parse::{Cursor, Error, Result, StructBody, parse_struct};
use crate::tokens::{comma_list, doc, ident};

const OPTIONS: &str = "`inputs(..)`, `interned(..)`, `tracked(..)` or `db_trait(Name)`";

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let args = parse_args(attr)?;
    let item = parse_struct(item, "#[picante::db]")?;
    if let Some(span) = item.generics {
        return Err(Error::new(span, "picante: #[picante::db] does not support generics"));
    }
    let custom = match &item.body {
        StructBody::Named(fields) => fields.as_slice(),
        StructBody::Unit => &[],
        StructBody::Tuple(span) => {
            return Err(Error::new(*span, "picante: #[picante::db] needs named fields (or none)"));
        }
    };
    let db = &item.name;
    let vis = &item.vis;

    let mut taken: HashSet<String> = ["runtime", "ingredients"].map(String::from).into();
    for field in custom {
        if !taken.insert(field.name.to_string()) {
            return Err(Error::new(
                field.name.span(),
                format!("picante: `{}` is a field the database generates; rename it", field.name),
            ));
        }
    }

    let mut out = Generated::default();
    let mut kind = 0u32;
    let mut next_kind = || {
        kind += 1;
        let literal = Literal::u32_unsuffixed(kind);
        quote! { ::picante::QueryKindId(#literal) }
    };
    for path in &args.inputs {
        let label = path.name.to_string();
        let s = snake(&label);
        let keys = field_name(&mut taken, &format!("{s}_keys_ingredient"), path)?;
        let data = field_name(&mut taken, &format!("{s}_data_ingredient"), path)?;
        let (keys_ty, data_ty) = (
            path.qualify(&format!("{label}KeysIngredient")),
            path.qualify(&format!("{label}DataIngredient")),
        );
        let has = path.qualify(&format!("Has{label}Ingredient"));
        let (make_keys, make_data) =
            (path.qualify(&format!("make_{s}_keys")), path.qualify(&format!("make_{s}_data")));
        let (keys_getter, data_getter) = (ident(&format!("{s}_keys")), ident(&format!("{s}_data")));
        out.ingredient(&keys, quote! { #keys_ty }, quote! { #make_keys(#{Some(next_kind())}) });
        out.ingredient(&data, quote! { #data_ty }, quote! { #make_data(#{Some(next_kind())}) });
        out.impls.extend(quote! {
            impl #has for #db {
                fn #keys_getter(&self) -> &#keys_ty { &self.#keys }
                fn #data_getter(&self) -> &#data_ty { &self.#data }
            }
        });
        out.traits.push(has);
    }
    for path in &args.interned {
        let label = path.name.to_string();
        let s = snake(&label);
        let field = field_name(&mut taken, &format!("{s}_ingredient"), path)?;
        let ty = path.qualify(&format!("{label}Ingredient"));
        let has = path.qualify(&format!("Has{label}Ingredient"));
        let make = path.qualify(&format!("make_{s}_ingredient"));
        out.ingredient(&field, quote! { #ty }, quote! { #make(#{Some(next_kind())}) });
        out.impls.extend(quote! {
            impl #has for #db {
                fn #field(&self) -> &#ty { &self.#field }
            }
        });
        out.traits.push(has);
    }
    for path in &args.tracked {
        let name = path.name.to_string();
        let (s, p) = (snake(&name), pascal(&name));
        let field = field_name(&mut taken, &s, path)?;
        let ty = path.qualify(&format!("{p}Query"));
        let has = path.qualify(&format!("Has{p}Query"));
        let make = path.qualify(&format!("make_{s}_query"));
        let getter = ident(&format!("{s}_query"));
        out.ingredient(&field, quote! { #ty<#db> }, quote! { #make::<#db>(#{Some(next_kind())}) });
        out.impls.extend(quote! {
            impl #has for #db {
                fn #getter(&self) -> &#ty<Self> { &self.#field }
            }
        });
        out.traits.push(has);
    }

    let Generated { fields, makes, names, impls, traits } = out;
    let (attrs, custom_fields) = (&item.attrs, custom);
    let custom_decls = comma_list(custom_fields.iter().map(|f| {
        let (attrs, vis, name, ty) = (&f.attrs, &f.vis, &f.name, &f.ty);
        quote! { #attrs #vis #name: #ty }
    }));
    let custom_params = comma_list(custom_fields.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        quote! { #name: #ty }
    }));
    let custom_names = comma_list(custom_fields.iter().map(|f| {
        let name = &f.name;
        quote! { #name }
    }));
    let field_decls = comma_list(fields);
    let ingredient_names = comma_list(names.iter().map(|n| quote! { #n }));
    let registers: TokenStream =
        names.iter().map(|n| quote! { ingredients.register(#n.clone()); }).collect();
    let persistables = comma_list(names.iter().map(|n| {
        quote! { &*self.#n as &dyn ::picante::persist::PersistableIngredient }
    }));
    let default_impl = custom_fields.is_empty().then(|| {
        quote! {
            impl ::core::default::Default for #db {
                fn default() -> Self { Self::new() }
            }
        }
    });
    let trait_name = args.db_trait.unwrap_or_else(|| ident(&format!("{db}Trait")));
    let trait_bounds: TokenStream = traits.iter().map(|t| quote! { #t + }).collect();
    let trait_doc = doc(&format!(
        "Every `Has…` trait of [`{db}`]: bound a tracked function's `DB` by it instead of \
         listing them."
    ));
    let new_doc =
        doc("A new database at its first revision: every ingredient empty and registered, the \
         other fields as given.");

    Ok(quote! {
        #attrs
        #vis struct #db {
            runtime: ::picante::Runtime,
            ingredients: ::picante::IngredientRegistry<#db>,
            #field_decls
            #custom_decls
        }

        impl #db {
            #new_doc
            #vis fn new(#custom_params) -> Self {
                let mut ingredients = ::picante::IngredientRegistry::new();
                #makes
                #registers
                Self { runtime: ::picante::Runtime::new(), ingredients, #ingredient_names #custom_names }
            }

            /// The registry of this database's ingredients, by kind.
            #[allow(dead_code)]
            #vis fn ingredient_registry(&self) -> &::picante::IngredientRegistry<Self> {
                &self.ingredients
            }

            /// Every ingredient of this database, for `picante::persist::save_cache` and
            /// `load_cache`.
            #[allow(dead_code)]
            #vis fn persistable_ingredients(&self)
                -> ::std::vec::Vec<&dyn ::picante::persist::PersistableIngredient>
            {
                ::std::vec![#persistables]
            }

            /// Saves every ingredient and the revision to `path` (`picante::persist::save_cache`);
            /// returns the file's size.
            ///
            /// # Errors
            ///
            /// As `save_cache`: a value that cannot be encoded, or the file cannot be written.
            #[allow(dead_code)]
            #vis fn save_to_cache(&self, path: impl ::core::convert::AsRef<::std::path::Path>)
                -> ::picante::PicanteResult<u64>
            {
                ::picante::persist::save_cache(path, &self.runtime, &self.persistable_ingredients())
            }

            /// `save_to_cache` with options (the application's cache version).
            ///
            /// # Errors
            ///
            /// As `save_to_cache`.
            #[allow(dead_code)]
            #vis fn save_to_cache_with_options(
                &self,
                path: impl ::core::convert::AsRef<::std::path::Path>,
                options: &::picante::persist::CacheSaveOptions,
            ) -> ::picante::PicanteResult<u64> {
                let ingredients = self.persistable_ingredients();
                ::picante::persist::save_cache_with_options(path, &self.runtime, &ingredients, options)
            }

            /// Loads a file written by `save_to_cache` into this database, which must be new
            /// (`picante::persist::load_cache`): all or nothing, a section whose types changed
            /// is dropped alone. Returns what was loaded and why anything was not.
            ///
            /// # Errors
            ///
            /// As `load_cache`: the database is not new.
            #[allow(dead_code)]
            #vis fn load_from_cache(&self, path: impl ::core::convert::AsRef<::std::path::Path>)
                -> ::picante::PicanteResult<::picante::persist::CacheLoad>
            {
                ::picante::persist::load_cache(path, &self.runtime, &self.persistable_ingredients())
            }

            /// `load_from_cache` with options (size limit, what to do with a corrupt file, the
            /// application's cache version).
            ///
            /// # Errors
            ///
            /// As `load_from_cache`, and a corrupt file with `OnCorruptCache::Error`.
            #[allow(dead_code)]
            #vis fn load_from_cache_with_options(
                &self,
                path: impl ::core::convert::AsRef<::std::path::Path>,
                options: &::picante::persist::CacheLoadOptions,
            ) -> ::picante::PicanteResult<::picante::persist::CacheLoad> {
                let ingredients = self.persistable_ingredients();
                ::picante::persist::load_cache_with_options(path, &self.runtime, &ingredients, options)
            }
        }

        #default_impl

        impl ::picante::HasRuntime for #db {
            fn runtime(&self) -> &::picante::Runtime { &self.runtime }
        }

        impl ::picante::IngredientLookup for #db {
            fn ingredient(&self, kind: ::picante::QueryKindId)
                -> ::core::option::Option<&dyn ::picante::DynIngredient<Self>>
            {
                self.ingredients.ingredient(kind)
            }
        }

        #impls

        #trait_doc
        #[allow(dead_code)]
        #vis trait #trait_name:
            #trait_bounds ::picante::HasRuntime + ::picante::IngredientLookup
            + ::core::marker::Send + ::core::marker::Sync + 'static
        {}

        impl #trait_name for #db {}
    })
}

/// What the listed items add to the database.
#[derive(Default)]
struct Generated {
    /// `name: Arc<Type>`
    fields: Vec<TokenStream>,
    /// `let name = make(kind);`
    makes: TokenStream,
    names: Vec<Ident>,
    impls: TokenStream,
    /// The `Has…` traits, for the combined trait.
    traits: Vec<TokenStream>,
}

impl Generated {
    fn ingredient(&mut self, name: &Ident, ty: TokenStream, make: TokenStream) {
        self.fields.push(quote! { #name: ::std::sync::Arc<#ty> });
        self.makes.extend(quote! { let #name = #make; });
        self.names.push(name.clone());
    }
}

/// A generated field's name, unless a custom field or another item already has it.
fn field_name(taken: &mut HashSet<String>, name: &str, path: &ItemPath) -> Result<Ident> {
    if !taken.insert(name.to_string()) {
        return Err(Error::new(
            path.name.span(),
            format!(
                "picante: `{}` needs the database field `{name}`, which is already taken (a \
                 custom field, or an item listed twice or under two paths)",
                path.name
            ),
        ));
    }
    Ok(ident(name))
}

#[derive(Default)]
struct Args {
    inputs: Vec<ItemPath>,
    interned: Vec<ItemPath>,
    tracked: Vec<ItemPath>,
    db_trait: Option<Ident>,
}

/// `module::Item`: where the item's generated names are found.
struct ItemPath {
    /// `module::`, or nothing.
    prefix: TokenStream,
    name: Ident,
}

impl ItemPath {
    /// The generated item `name` beside this one: `module::name`.
    fn qualify(&self, name: &str) -> TokenStream {
        let prefix = &self.prefix;
        let name = Ident::new(name, self.name.span());
        quote! { #prefix #name }
    }
}

fn parse_args(attr: TokenStream) -> Result<Args> {
    let mut args = Args::default();
    let mut cursor = Cursor::new(attr, Span::call_site());
    while !cursor.at_end() {
        let option = match cursor.next() {
            Some(TokenTree::Ident(option)) => option,
            other => {
                let span = other.map_or(Span::call_site(), |t| t.span());
                return Err(Error::new(span, format!("picante: expected {OPTIONS}")));
            }
        };
        let list = match cursor.next() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => g,
            _ => {
                return Err(Error::new(
                    option.span(),
                    format!("picante: `{option}` takes a list in parentheses: `{option}(..)`"),
                ));
            }
        };
        let items = parse_paths(list.stream())?;
        match option.to_string().as_str() {
            "inputs" | "input" => args.inputs.extend(items),
            "interned" => args.interned.extend(items),
            "tracked" => args.tracked.extend(items),
            "db_trait" => match items.as_slice() {
                [one] if one.prefix.is_empty() && args.db_trait.is_none() => {
                    args.db_trait = Some(one.name.clone());
                }
                _ => {
                    return Err(Error::new(
                        option.span(),
                        "picante: `db_trait(Name)` takes one name, once",
                    ));
                }
            },
            _ => {
                return Err(Error::new(
                    option.span(),
                    format!(
                        "picante: unknown #[picante::db] option `{option}`; expected {OPTIONS}"
                    ),
                ));
            }
        }
        if !cursor.at_end() && cursor.eat_punct(',').is_none() {
            return Err(Error::new(cursor.span(), "picante: expected `,` between options"));
        }
    }
    Ok(args)
}

/// `a, m::B, ::c::D`: paths without generics.
fn parse_paths(list: TokenStream) -> Result<Vec<ItemPath>> {
    let mut cursor = Cursor::new(list, Span::call_site());
    let mut paths = Vec::new();
    while !cursor.at_end() {
        let tokens: Vec<TokenTree> = cursor.until_comma().into_iter().collect();
        if let Some(bad) = tokens.iter().find(|t| {
            !matches!(t, TokenTree::Ident(_))
                && !matches!(t, TokenTree::Punct(p) if p.as_char() == ':')
        }) {
            return Err(Error::new(bad.span(), "picante: expected a path like `module::Item`"));
        }
        let Some((TokenTree::Ident(name), prefix)) = tokens.split_last() else {
            let span = tokens.last().map_or(Span::call_site(), TokenTree::span);
            return Err(Error::new(span, "picante: expected a path ending in a name"));
        };
        paths.push(ItemPath { prefix: prefix.iter().cloned().collect(), name: name.clone() });
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(attr: &str, item: &str) -> std::result::Result<String, String> {
        let attr: TokenStream = attr.parse().expect("tokenizes");
        let item: TokenStream = item.parse().expect("tokenizes");
        expand(attr, item).map(|t| t.to_string()).map_err(|e| e.message().to_string())
    }

    #[test]
    fn kinds_are_dense_in_the_order_listed() {
        let out = expand_str("inputs(Val), interned(m::Link), tracked(double)", "struct Db;")
            .expect("expands");
        for (n, make) in
            [(1, "make_val_keys"), (2, "make_val_data"), (3, "m :: make_link_ingredient")]
        {
            assert!(out.contains(&format!("{make} (:: picante :: QueryKindId ({n}))")), "{out}");
        }
        assert!(
            out.contains("make_double_query :: < Db > (:: picante :: QueryKindId (4))"),
            "{out}"
        );
        assert!(out.contains("impl :: core :: default :: Default for Db"), "{out}");
    }

    #[test]
    fn misuse_is_reported() {
        let cases = [
            ("inputs(A), caches(B)", "struct Db;", "unknown #[picante::db] option `caches`"),
            ("inputs", "struct Db;", "takes a list in parentheses"),
            ("inputs(A<T>)", "struct Db;", "expected a path"),
            ("tracked(f, f)", "struct Db;", "already taken"),
            ("tracked(runtime)", "struct Db;", "already taken"),
            ("", "enum Db {}", "goes on a struct, found `enum`"),
            ("", "struct Db<T> { t: T }", "does not support generics"),
            ("", "struct Db(u8);", "needs named fields"),
            ("db_trait(a::B)", "struct Db;", "takes one name"),
        ];
        for (attr, item, expected) in cases {
            let message = expand_str(attr, item).err().unwrap_or_default();
            assert!(message.contains(expected), "{attr} / {item}: {message}");
        }
    }
}
