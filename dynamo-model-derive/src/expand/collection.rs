//! `#[derive(Collection)]`: an enum whose variants each hold one model of a shared table.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use super::private;
use crate::ast::CollectionEnum;
use crate::attr::Errors;
use crate::{fallback, valid};

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let ast = CollectionEnum::from_syn(input);
    valid::check_collection(&ast, &mut errors);
    match errors.finish() {
        Some(error) => fallback::collection(&ast, error),
        None => generate(&ast),
    }
}

fn generate(input: &CollectionEnum) -> TokenStream {
    let p = private();
    let ident = input.ident;
    let variants: Vec<_> = input
        .members
        .iter()
        .map(|m| (m.variant, m.model.expect("checked by valid")))
        .collect();
    let first = variants[0].1;
    let members = variants
        .iter()
        .map(|(_, ty)| quote_spanned!(ty.span()=> <#ty as #p::Model>::SCHEMA));
    let reads = variants.iter().enumerate().map(|(i, (variant, ty))| {
        quote! {
            ::core::option::Option::Some(#i) => #p::decode::<#ty>(item).map(Self::#variant),
        }
    });
    // Every pair shares the table and its keys and can be told apart, as in `table!`.
    let mut pairs = Vec::new();
    for (i, (_, a)) in variants.iter().enumerate() {
        for (_, b) in &variants[i + 1..] {
            pairs.push(quote!(::dynamo_model::__table_pair!(@check #a, #b, true);));
        }
    }
    let named_members = variants.iter().map(|(_, ty)| {
        let name = quote!(#ty).to_string().replace(' ', "");
        quote_spanned!(ty.span()=> (#name, <#ty as #p::Model>::SCHEMA))
    });
    quote! {
        #(#pairs)*

        const _: () = {
            #[automatically_derived]
            impl #p::Collection for #ident {
                type Key = #first;

                const MEMBERS: &'static [&'static #p::Schema] = &[#(#members),*];

                fn from_item(item: #p::Item) -> #p::Result<Self> {
                    match #p::entity_of(<Self as #p::Collection>::MEMBERS, &item) {
                        #(#reads)*
                        _ => ::core::result::Result::Err(#p::not_a_member(&[#(#named_members),*], &item)),
                    }
                }
            }

            #[automatically_derived]
            impl #p::StreamImage for #ident {
                fn table() -> &'static str {
                    <#first as #p::Model>::SCHEMA.table
                }

                fn holds(item: &#p::Item) -> bool {
                    #p::entity_of(<Self as #p::Collection>::MEMBERS, item).is_some()
                }

                fn read(item: #p::Item) -> #p::Result<Self> {
                    <Self as #p::Collection>::from_item(item)
                }
            }
        };
    }
}
