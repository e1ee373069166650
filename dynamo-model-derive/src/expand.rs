//! Code generation. Generated code names the runtime only through `::dynamo_model::__private`
//! and puts trait impls in `const _: () = { .. };`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident};

use crate::ast::{Field, Input};
use crate::attr::{Errors, IndexAttr, IndexKind, Projection};
use crate::{fallback, valid};

pub fn model(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let ast = Input::from_syn(input, &mut errors);
    valid::check(&ast, &mut errors);
    match errors.finish() {
        Some(error) => fallback::model(&ast, error),
        None => generate(&ast),
    }
}

fn private() -> TokenStream {
    quote!(::dynamo_model::__private)
}

pub fn key_ident(ident: &Ident) -> Ident {
    format_ident!("{}Key", ident)
}

fn generate(input: &Input) -> TokenStream {
    let p = private();
    let ident = input.ident;
    let key_ident = key_ident(ident);
    let table = input.attrs.table.as_ref().expect("checked by valid");
    let hash = input.hash_key().expect("checked by valid");
    let range = input.range_key();

    let hash_ty = hash.ty;
    let range_ty = match range {
        Some(field) => {
            let ty = field.ty;
            quote!(#ty)
        }
        None => quote!(()),
    };
    let hash_def = key_def(hash, KeyRole::Table);
    let range_def = option(range.map(|f| key_def(f, KeyRole::Table)));
    let indexes = input
        .attrs
        .indexes
        .iter()
        .map(|index| index_def(input, index, &hash_def));
    let attribute_names = input.stored_fields().map(Field::stored_name);
    let stored_count = input.stored_fields().count();

    let writes = field_writes(input);
    let reads = field_reads(input);
    let time_def = |wanted: TimeRole| {
        option(input.stored_fields().find_map(|f| {
            let (role, format) = time_role(input, f)?;
            let name = f.stored_name();
            (role == wanted).then(|| quote!(#p::TimestampDef { name: #name, format: #format }))
        }))
    };
    let (created_def, updated_def) = (time_def(TimeRole::Created), time_def(TimeRole::Updated));
    let ttl_field = input.fields.iter().find(|f| f.attrs.ttl.is_some());
    let ttl_name = option(ttl_field.map(|f| {
        let name = f.stored_name();
        quote!(#name)
    }));
    // A TTL holds epoch seconds: checked on the field's type.
    let ttl_check = ttl_field.map(|f| {
        let ty = f.ty;
        quote_spanned! {ty.span()=>
            const _: fn() = || {
                fn ttl<T: #p::TtlAttribute>() {}
                ttl::<#ty>();
            };
        }
    });
    let version_field = input.fields.iter().find(|f| f.attrs.version.is_some());
    let version_name = option(version_field.map(|f| {
        let name = f.stored_name();
        quote!(#name)
    }));
    // A version must be an integer: checked on the field's type.
    let version_check = version_field.map(|f| {
        let ty = f.ty;
        quote_spanned! {ty.span()=>
            const _: fn() = || {
                fn version<T: #p::VersionAttribute>() {}
                version::<#ty>();
            };
        }
    });

    let key_fields: Vec<&Field> = std::iter::once(hash).chain(range).collect();
    let key_struct = key_struct(input, &key_ident, &key_fields);
    let key_clones = key_fields.iter().map(|f| {
        let member = f.ident;
        quote!(#member: ::core::clone::Clone::clone(&self.#member),)
    });
    let key_writes = key_fields.iter().map(|f| {
        let member = f.ident;
        let name = f.stored_name();
        quote! {
            item.insert(::std::string::String::from(#name), #p::key_value(&self.#member, #name)?);
        }
    });
    let key_count = key_fields.len();
    let handles = handles(input, true);

    quote! {
        #key_struct

        #handles

        #version_check
        #ttl_check

        const _: () = {
            #[automatically_derived]
            impl #p::Model for #ident {
                type Key = #key_ident;
                type HashKey = #hash_ty;
                type RangeKey = #range_ty;

                const SCHEMA: &'static #p::Schema = &#p::Schema {
                    table: #table,
                    hash_key: #hash_def,
                    range_key: #range_def,
                    indexes: &[#(#indexes),*],
                    attributes: &[#(#attribute_names),*],
                    version: #version_name,
                    ttl: #ttl_name,
                    created_at: #created_def,
                    updated_at: #updated_def,
                };

                fn to_item(&self) -> #p::Result<#p::Item> {
                    let mut item = #p::item(#stored_count);
                    #(#writes)*
                    ::core::result::Result::Ok(item)
                }

                fn from_item(mut item: #p::Item) -> #p::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        #(#reads)*
                    })
                }

                fn key(&self) -> #key_ident {
                    #key_ident { #(#key_clones)* }
                }
            }

            #[automatically_derived]
            impl #p::PrimaryKey for #key_ident {
                type Model = #ident;

                fn to_item(&self) -> #p::Result<#p::Item> {
                    let mut item = #p::item(#key_count);
                    #(#key_writes)*
                    ::core::result::Result::Ok(item)
                }
            }
        };
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeRole {
    Created,
    Updated,
}

/// Whether a field is the `created_at` or `updated_at` attribute, and its storage format.
fn time_role(input: &Input, field: &Field) -> Option<(TimeRole, TokenStream)> {
    let p = private();
    let container = input.attrs.timestamps.as_ref();
    let name = crate::ast::unraw(field.ident);
    let (role, marker) = if let Some(marker) = &field.attrs.created_at {
        (TimeRole::Created, Some(marker))
    } else if let Some(marker) = &field.attrs.updated_at {
        (TimeRole::Updated, Some(marker))
    } else if container.is_some() && name == "created_at" {
        (TimeRole::Created, None)
    } else if container.is_some() && name == "updated_at" {
        (TimeRole::Updated, None)
    } else {
        return None;
    };
    let format = marker
        .and_then(|(_, f)| f.as_ref())
        .or_else(|| container.and_then(|(_, f)| f.as_ref()))
        .map_or_else(|| "rfc3339".to_owned(), syn::LitStr::value);
    let format = match format.as_str() {
        "epoch_seconds" => quote!(#p::TimeFormat::EpochSeconds),
        "epoch_millis" => quote!(#p::TimeFormat::EpochMillis),
        _ => quote!(#p::TimeFormat::Rfc3339),
    };
    Some((role, format))
}

/// A field's `default` or `default_fn` value.
fn default_value(field: &Field) -> Option<TokenStream> {
    let ty = field.ty;
    if let Some(default) = &field.attrs.default {
        Some(quote_spanned!(default.span()=> { let value: #ty = #default; value }))
    } else {
        let default_fn = field.attrs.default_fn.as_ref()?;
        Some(quote_spanned!(default_fn.span()=> #default_fn()))
    }
}

/// What a missing attribute reads as, when the field says more than its type: a `default`,
/// a `default_fn`, or (with aliases) the type's own rule.
fn missing_value(field: &Field) -> Option<TokenStream> {
    let p = private();
    let ty = field.ty;
    match default_value(field) {
        Some(value) => Some(quote!(::core::result::Result::Ok(#value))),
        None if !field.attrs.aliases.is_empty() => {
            Some(quote!(<#ty as #p::Attribute>::from_missing()))
        }
        None => None,
    }
}

/// `to_item` / `to_map` statements: one per stored field.
fn field_writes(input: &Input) -> Vec<TokenStream> {
    let p = private();
    input
        .stored_fields()
        .map(|field| {
            let name = field.stored_name();
            let member = field.ident;
            let ty = field.ty;
            // The trait is named in the same form in writes and reads, so an unsupported type
            // is reported once, on the field's type.
            if let Some((_, format)) = time_role(input, field) {
                quote_spanned! {ty.span()=>
                    #p::write(&mut item, #name, #p::timestamp_to_attr(&self.#member, #format))?;
                }
            } else if field.attrs.serde.is_some() {
                quote_spanned!(ty.span()=> #p::write_serde(&mut item, #name, &self.#member)?;)
            } else {
                quote_spanned! {ty.span()=>
                    #p::write(&mut item, #name, <#ty as #p::Attribute>::to_attr(&self.#member))?;
                }
            }
        })
        .collect()
}

/// `from_item` / `from_map` field initializers: one per field.
fn field_reads(input: &Input) -> Vec<TokenStream> {
    let p = private();
    input
        .fields
        .iter()
        .map(|field| {
            let name = field.stored_name();
            let member = field.ident;
            let ty = field.ty;
            if !field.is_stored() {
                match default_value(field) {
                    Some(value) => quote!(#member: #value,),
                    None => quote_spanned!(ty.span()=> #member: <#ty as ::core::default::Default>::default(),),
                }
            } else if let Some((_, format)) = time_role(input, field) {
                quote_spanned! {ty.span()=>
                    #member: #p::read(&mut item, #name, |v| #p::Timestamp::from_attr_as(v, #format), <#ty as #p::Attribute>::from_missing)?,
                }
            } else if field.attrs.serde.is_some() {
                quote_spanned!(ty.span()=> #member: #p::read_serde::<#ty>(&mut item, #name)?,)
            } else if let Some(missing) = missing_value(field) {
                let aliases = &field.attrs.aliases;
                quote_spanned! {ty.span()=>
                    #member: #p::read_or(&mut item, #name, &[#(#aliases),*], <#ty as #p::Attribute>::from_attr, || -> ::core::result::Result<#ty, #p::AttrError> { #missing })?,
                }
            } else {
                quote_spanned! {ty.span()=>
                    #member: #p::read(&mut item, #name, <#ty as #p::Attribute>::from_attr, <#ty as #p::Attribute>::from_missing)?,
                }
            }
        })
        .collect()
}

pub fn attributes(input: &DeriveInput) -> TokenStream {
    if let syn::Data::Enum(data) = &input.data {
        return crate::enums::expand(input, data);
    }
    let mut errors = Errors::default();
    let ast = Input::from_syn(input, &mut errors);
    valid::check_attributes(&ast, &mut errors);
    if let Some(error) = errors.finish() {
        let handles = if ast.named_struct && !ast.generic {
            handles(&ast, false)
        } else {
            TokenStream::new()
        };
        let error = error.to_compile_error();
        return quote!(#error #handles);
    }
    let p = private();
    let ident = ast.ident;
    let writes = field_writes(&ast);
    let reads = field_reads(&ast);
    let stored_count = ast.stored_fields().count();
    let attribute_names = ast.stored_fields().map(Field::stored_name);
    let handles = handles(&ast, false);
    let expected = format!("map ({ident})");
    quote! {
        #handles

        const _: () = {
            #[automatically_derived]
            impl #p::Attributes for #ident {
                const ATTRIBUTES: &'static [&'static str] = &[#(#attribute_names),*];

                fn to_map(&self) -> ::core::result::Result<#p::Item, #p::AttrError> {
                    let mut item = #p::item(#stored_count);
                    #(#writes)*
                    ::core::result::Result::Ok(item)
                }

                fn from_map(mut item: #p::Item) -> ::core::result::Result<Self, #p::AttrError> {
                    ::core::result::Result::Ok(Self {
                        #(#reads)*
                    })
                }
            }

            #[automatically_derived]
            impl #p::Attribute for #ident {
                const EXPECTED: &'static str = #expected;

                fn to_attr(&self) -> ::core::result::Result<::core::option::Option<#p::AttributeValue>, #p::AttrError> {
                    #p::Attributes::to_map(self).map(|map| ::core::option::Option::Some(#p::AttributeValue::M(map)))
                }

                fn from_attr(value: #p::AttributeValue) -> ::core::result::Result<Self, #p::AttrError> {
                    match value {
                        #p::AttributeValue::M(map) => #p::Attributes::from_map(map),
                        other => ::core::result::Result::Err(#p::AttrError::mismatch(#expected, #p::describe(&other))),
                    }
                }
            }
        };
    }
}

#[derive(Clone, Copy)]
enum KeyRole {
    Table,
    Index,
}

fn key_def(field: &Field, role: KeyRole) -> TokenStream {
    let p = private();
    let name = field.stored_name();
    let ty = field.ty;
    let scalar = match role {
        KeyRole::Table => quote_spanned!(ty.span()=> <#ty as #p::KeyAttribute>::SCALAR),
        KeyRole::Index => quote_spanned!(ty.span()=> <#ty as #p::IndexKeyAttribute>::SCALAR),
    };
    quote!(#p::KeyDef { name: #name, scalar: #scalar })
}

fn option(tokens: Option<TokenStream>) -> TokenStream {
    match tokens {
        Some(tokens) => quote!(::core::option::Option::Some(#tokens)),
        None => quote!(::core::option::Option::None),
    }
}

fn index_field<'a>(input: &'a Input, name: &syn::LitStr) -> &'a Field<'a> {
    input.field_named(&name.value()).expect("checked by valid")
}

fn index_def(input: &Input, index: &IndexAttr, table_hash: &TokenStream) -> TokenStream {
    let p = private();
    let name = index.name.as_ref().expect("checked by valid");
    let (kind, hash) = match index.kind {
        IndexKind::Global => {
            let hash = index.hash.as_ref().expect("checked by valid");
            (
                quote!(#p::IndexKind::Global),
                key_def(index_field(input, hash), KeyRole::Index),
            )
        }
        IndexKind::Local => (quote!(#p::IndexKind::Local), table_hash.clone()),
    };
    let range = option(
        index
            .range
            .as_ref()
            .map(|r| key_def(index_field(input, r), KeyRole::Index)),
    );
    let projection = match &index.projection {
        Projection::All => quote!(#p::IndexProjection::All),
        Projection::KeysOnly => quote!(#p::IndexProjection::KeysOnly),
        Projection::Include(names) => {
            let names = names.iter().map(|n| {
                input
                    .field_named(&n.value())
                    .map_or_else(|| n.value(), Field::stored_name)
            });
            quote!(#p::IndexProjection::Include(&[#(#names),*]))
        }
    };
    quote! {
        #p::IndexDef {
            name: #name,
            kind: #kind,
            hash_key: #hash,
            range_key: #range,
            projection: #projection,
        }
    }
}

fn key_struct(input: &Input, key_ident: &Ident, key_fields: &[&Field]) -> TokenStream {
    let vis = input.vis;
    let ident = input.ident;
    let doc = format!(
        "The primary key of [`{ident}`]: every call that takes a key of `{ident}` takes this type."
    );
    let fields = key_fields.iter().map(|f| {
        let member = f.ident;
        let ty = f.ty;
        let doc = format!("The `{}` key attribute.", f.stored_name());
        quote!(#[doc = #doc] #vis #member: #ty,)
    });
    let params = key_fields.iter().map(|f| {
        let member = f.ident;
        let ty = f.ty;
        quote!(#member: impl ::core::convert::Into<#ty>)
    });
    let inits = key_fields.iter().map(|f| {
        let member = f.ident;
        quote!(#member: ::core::convert::Into::into(#member))
    });
    let new_doc = format!(
        "A key of [`{ident}`] from its {}.",
        key_fields
            .iter()
            .map(|f| format!("`{}`", f.ident))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        #vis struct #key_ident {
            #(#fields)*
        }

        impl #key_ident {
            #[doc = #new_doc]
            #vis fn new(#(#params),*) -> Self {
                #key_ident { #(#inits),* }
            }
        }
    }
}

/// `User::EMAIL` for each stored field and `User::BY_EMAIL` for each index.
pub fn handles(input: &Input, with_indexes: bool) -> TokenStream {
    let p = private();
    let vis = input.vis;
    let ident = input.ident;
    let mut seen = std::collections::HashSet::new();
    let fields = input.stored_fields().filter_map(|field| {
        let name = field.stored_name();
        let handle = format_ident!(
            "{}",
            valid::handle_name(&crate::ast::unraw(field.ident)),
            span = field.ident.span()
        );
        if !seen.insert(handle.to_string()) {
            return None;
        }
        let ty = field.ty;
        let doc = format!(
            "Typed handle to the attribute `{name}` (field `{}`).",
            field.ident
        );
        Some(quote! {
            #[doc = #doc]
            #vis const #handle: #p::Attr<#ident, #ty> = #p::Attr::new(#name);
        })
    });
    let fields: Vec<TokenStream> = fields.collect();
    let declared = if with_indexes {
        &input.attrs.indexes[..]
    } else {
        &[]
    };
    let indexes = declared.iter().enumerate().filter_map(|(i, index)| {
        let name = index.name.as_ref()?;
        let handle = format_ident!("{}", valid::handle_name(&name.value()), span = name.span());
        let hash_ty = match index.kind {
            IndexKind::Global => input.field_named(&index.hash.as_ref()?.value())?.ty,
            IndexKind::Local => input.hash_key()?.ty,
        };
        let range_ty = match &index.range {
            Some(range) => {
                let ty = strip_option(input.field_named(&range.value())?.ty);
                quote!(#ty)
            }
            None => quote!(()),
        };
        let hash_key = strip_option(hash_ty);
        let doc = format!("Typed handle to the index `{}`.", name.value());
        Some(quote! {
            #[doc = #doc]
            #vis const #handle: #p::Index<#ident, #hash_key, #range_ty> =
                #p::Index::new(&<#ident as #p::Model>::SCHEMA.indexes[#i]);
        })
    });
    let indexes: Vec<TokenStream> = indexes.collect();
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#fields)*
            #(#indexes)*
        }
    }
}

/// `Option<T>` -> `T`: a sparse index is queried by the value, not the option. Whether the type
/// can be a key is checked by the schema, on the field's span.
fn strip_option(ty: &syn::Type) -> &syn::Type {
    if let syn::Type::Path(path) = ty {
        let last = path.path.segments.last();
        if let Some(segment) = last.filter(|s| s.ident == "Option") {
            if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
                if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                    return inner;
                }
            }
        }
    }
    ty
}
