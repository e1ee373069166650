//! `#[derive(Collection)]`: an enum whose variants each hold one model of a shared table.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use super::private;

pub fn derive(input: &DeriveInput) -> TokenStream {
    match generate(input) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn generate(input: &DeriveInput) -> syn::Result<TokenStream> {
    let p = private();
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "a Collection is an enum with one variant per model: `enum CustomerData { Profile(Customer), Order(Order) }`",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a Collection cannot be generic",
        ));
    }
    let mut variants = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for variant in &data.variants {
        match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                variants.push((&variant.ident, &fields.unnamed[0].ty));
            }
            _ => {
                let error = syn::Error::new(
                    variant.span(),
                    format!(
                        "each variant of a Collection holds one model: `{}(Model)`",
                        variant.ident
                    ),
                );
                match &mut errors {
                    Some(errors) => errors.combine(error),
                    None => errors = Some(error),
                }
            }
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let Some((_, first)) = variants.first() else {
        return Err(syn::Error::new(
            ident.span(),
            "a Collection needs at least one variant, holding a model",
        ));
    };
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
    Ok(quote! {
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
    })
}
