//! On error: the errors, plus stand-ins for what the derive would have generated, so a mistake
//! in a model is reported once instead of again at every use of the model.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{CollectionEnum, Input, UnitEnum};
use crate::expand::handles::handles;
use crate::expand::{key_ident, private, unit_enum};

pub fn model(input: &Input, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    if !input.named_struct || input.generic {
        return errors;
    }
    let p = private();
    let ident = input.ident;
    let vis = input.vis;
    let key_ident = key_ident(ident);
    let unreachable = quote!(::core::unreachable!("the Model derive failed"));
    // Index handles point into the schema, which the stand-in does not have.
    let handles = handles(input, false, false);
    quote! {
        #errors

        #handles

        #[doc(hidden)]
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        #vis struct #key_ident;

        const _: () = {
            impl #p::Model for #ident {
                type Key = #key_ident;
                type HashKey = ::std::string::String;
                type RangeKey = ();
                const SCHEMA: &'static #p::Schema = &#p::Schema {
                    table: "",
                    hash_key: #p::KeyDef { name: "", scalar: #p::ScalarType::String },
                    range_key: ::core::option::Option::None,
                    indexes: &[],
                    attributes: &[],
                    version: ::core::option::Option::None,
                    ttl: ::core::option::Option::None,
                    created_at: ::core::option::Option::None,
                    updated_at: ::core::option::Option::None,
                    constants: &[],
                    templates: &[],
                };
                fn to_item(&self) -> #p::Result<#p::Item> { #unreachable }
                fn from_item(_: #p::Item) -> #p::Result<Self> { #unreachable }
                fn key(&self) -> #key_ident { #unreachable }
            }

            impl #p::PrimaryKey for #key_ident {
                type Model = #ident;
                fn to_item(&self) -> #p::Result<#p::Item> { #unreachable }
            }
        };
    }
}

/// `#[derive(Attributes)]` on a struct: the handles, so paths into the document still resolve.
pub fn attributes(input: &Input, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    if !input.named_struct || input.generic {
        return errors;
    }
    let handles = handles(input, false, false);
    quote!(#errors #handles)
}

/// `#[derive(Attributes)]` on an enum: the impls, with bodies that are never run.
pub fn unit_enum(input: &UnitEnum, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    if input.generic {
        return errors;
    }
    let unreachable = quote!(::core::unreachable!("the Attributes derive failed"));
    let impls = unit_enum::impls(input, "", unreachable.clone(), unreachable);
    quote!(#errors #impls)
}

/// `#[derive(Collection)]`: the impls, with bodies that are never run, so a query of the
/// collection still type-checks. Not when there is no first model to key the queries by.
pub fn collection(input: &CollectionEnum, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let (Some(key), true) = (input.key_model(), input.generics.params.is_empty()) else {
        return errors;
    };
    let p = private();
    let ident = input.ident;
    let unreachable = quote!(::core::unreachable!("the Collection derive failed"));
    quote! {
        #errors

        const _: () = {
            impl #p::Collection for #ident {
                type Key = #key;
                const MEMBERS: &'static [&'static #p::Schema] = &[];
                fn from_item(_: #p::Item) -> #p::Result<Self> { #unreachable }
            }

            impl #p::StreamImage for #ident {
                fn table() -> &'static str { "" }
                fn holds(_: &#p::Item) -> bool { #unreachable }
                fn read(_: #p::Item) -> #p::Result<Self> { #unreachable }
            }
        };
    }
}
