//! Code generation, split by derive: `model` and `attributes` (structs) share `fields` and
//! `handles`; `unit_enum` stores an enum of unit variants as a string. Generated code names the
//! runtime only through [`private`] and puts trait impls in `const _: () = { .. };`.

pub mod attributes;
pub mod collection;
mod fields;
pub mod handles;
mod json_schema;
pub mod model;
pub mod unit_enum;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

/// The one path generated code reaches the runtime by: `dynamo_model::__private` re-exports
/// everything the derives name, so the runtime can move its modules freely.
pub(crate) fn private() -> TokenStream {
    quote!(::dynamo_model::__private)
}

pub fn key_ident(ident: &Ident) -> Ident {
    format_ident!("{}Key", ident)
}

pub(crate) fn option(tokens: Option<TokenStream>) -> TokenStream {
    match tokens {
        Some(tokens) => quote!(::core::option::Option::Some(#tokens)),
        None => quote!(::core::option::Option::None),
    }
}

/// `Option<T>` -> `T`: a sparse index is queried by the value, not the option. Whether the type
/// can be a key is checked by the schema, on the field's span.
pub(crate) fn strip_option(ty: &syn::Type) -> &syn::Type {
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

/// Whether the type is spelled `Option<..>`: rules and transforms then apply to the value inside.
pub(crate) fn is_option(ty: &syn::Type) -> bool {
    !std::ptr::eq(strip_option(ty), ty)
}

/// Asserts on the field's type, at its span, that it implements `bound` (a trait of the
/// runtime); the trait's `on_unimplemented` message says what the option needs.
pub(crate) fn assert_type(
    field: Option<&crate::ast::Field>,
    check: &str,
    bound: &str,
) -> Option<TokenStream> {
    let p = private();
    let field = field?;
    let ty = field.ty;
    let span = syn::spanned::Spanned::span(ty);
    let check = format_ident!("{}", check, span = span);
    let bound = format_ident!("{}", bound, span = span);
    Some(quote::quote_spanned! {span=>
        const _: fn() = || {
            fn #check<T: #p::#bound>() {}
            #check::<#ty>();
        };
    })
}
