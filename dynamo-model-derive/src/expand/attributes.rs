//! `#[derive(Attributes)]` on a struct: a nested document stored as a map. On an enum, it hands
//! over to `unit_enum`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::fields::{capacity, field_reads, field_writes, target_fn, validation};
use super::handles::handles;
use super::private;
use crate::ast::{Field, Input};
use crate::attr::Errors;
use crate::{fallback, valid};

pub fn derive(input: &DeriveInput) -> TokenStream {
    if let syn::Data::Enum(data) = &input.data {
        return super::unit_enum::derive(input, data);
    }
    let mut errors = Errors::default();
    let ast = Input::from_syn(input, &mut errors);
    valid::check_attributes(&ast, &mut errors);
    if let Some(error) = errors.finish() {
        return fallback::attributes(&ast, error);
    }
    let p = private();
    let ident = ast.ident;
    let writes = field_writes(&ast);
    let reads = field_reads(&ast);
    let capacity = capacity(&ast);
    let attribute_names = ast.stored_fields().map(Field::stored_name);
    let handles = handles(&ast, false, true);
    let validation = validation(&ast);
    let target = target_fn(&ast, false);
    let expected = format!("map ({ident})");
    let schema = super::json_schema::for_struct(&ast);
    quote! {
        #handles
        #schema

        const _: () = {
            #[automatically_derived]
            impl #p::Attributes for #ident {
                const ATTRIBUTES: &'static [&'static str] = &[#(#attribute_names),*];

                fn to_map(&self) -> ::core::result::Result<#p::Item, #p::AttrError> {
                    let mut item = #p::item(#capacity);
                    #(#writes)*
                    ::core::result::Result::Ok(item)
                }

                fn from_map(mut item: #p::Item) -> ::core::result::Result<Self, #p::AttrError> {
                    ::core::result::Result::Ok(Self {
                        #(#reads)*
                    })
                }

                fn validate_at(&self, at: &#p::Loc<'_>, out: &mut ::std::vec::Vec<#p::Violation>) {
                    #validation
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

                const NESTED: bool = true;

                fn validate_nested(&self, at: &#p::Loc<'_>, out: &mut ::std::vec::Vec<#p::Violation>) {
                    #p::Attributes::validate_at(self, at, out);
                }

                #target
            }
        };
    }
}
