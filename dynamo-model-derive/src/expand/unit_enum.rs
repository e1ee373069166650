//! `#[derive(Attributes)]` on an enum of unit variants: stored as a string (`S`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DataEnum, DeriveInput};

use super::private;
use crate::ast::UnitEnum;
use crate::attr::Errors;
use crate::{fallback, valid};

pub fn derive(input: &DeriveInput, data: &DataEnum) -> TokenStream {
    let mut errors = Errors::default();
    let ast = UnitEnum::from_syn(input, data, &mut errors);
    valid::check_unit_enum(&ast, &mut errors);
    if let Some(error) = errors.finish() {
        return fallback::unit_enum(&ast, error);
    }
    let names: Vec<_> = ast
        .stored_names()
        .map(|(name, v)| (name, v.ident))
        .collect();
    let expected = format!(
        "one of {}",
        names
            .iter()
            .map(|(n, _)| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let to = names
        .iter()
        .map(|(name, variant)| quote!(Self::#variant => #name));
    let from = names
        .iter()
        .map(|(name, variant)| quote!(#name => Self::#variant));
    let name = quote!(match self { #(#to,)* });
    let parse = quote! {
        ::core::option::Option::Some(match text { #(#from,)* _ => return ::core::option::Option::None })
    };
    let impls = impls(&ast, &expected, name, parse);
    let schema = super::json_schema::for_unit_enum(&ast);
    quote!(#impls #schema)
}

/// The impls, given the bodies of `__dynamo_name(&self) -> &'static str` and
/// `__dynamo_parse(text: &str) -> Option<Self>` (the stand-ins after an error give
/// `unreachable!()` bodies).
pub fn impls(
    input: &UnitEnum,
    expected: &str,
    name: TokenStream,
    parse: TokenStream,
) -> TokenStream {
    let p = private();
    let ident = input.ident;
    let text_impls = input.attrs.no_text_impls.is_none().then(|| {
        quote! {
            /// The name the variant is stored as.
            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.pad(self.__dynamo_name())
                }
            }

            /// The variant stored as `text`.
            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = #p::ParseEnumError;

                fn from_str(text: &str) -> ::core::result::Result<Self, #p::ParseEnumError> {
                    Self::__dynamo_parse(text).ok_or_else(|| #p::ParseEnumError {
                        found: ::std::string::String::from(text),
                        expected: #expected,
                    })
                }
            }
        }
    });
    quote! {
        const _: () = {
            #text_impls

            impl #ident {
                fn __dynamo_name(&self) -> &'static str {
                    #name
                }

                fn __dynamo_parse(text: &str) -> ::core::option::Option<Self> {
                    #parse
                }
            }

            #[automatically_derived]
            impl #p::Attribute for #ident {
                const EXPECTED: &'static str = #expected;

                fn to_attr(&self) -> ::core::result::Result<::core::option::Option<#p::AttributeValue>, #p::AttrError> {
                    ::core::result::Result::Ok(::core::option::Option::Some(
                        #p::AttributeValue::S(::std::string::String::from(self.__dynamo_name())),
                    ))
                }

                fn from_attr(value: #p::AttributeValue) -> ::core::result::Result<Self, #p::AttrError> {
                    match value {
                        #p::AttributeValue::S(text) => Self::__dynamo_parse(&text).ok_or_else(|| {
                            #p::AttrError::mismatch(#expected, ::std::format!("string {:?}", text))
                        }),
                        other => ::core::result::Result::Err(#p::AttrError::mismatch(#expected, #p::describe(&other))),
                    }
                }
            }

            #[automatically_derived]
            impl #p::KeyAttribute for #ident {
                const SCALAR: #p::ScalarType = #p::ScalarType::String;
            }

            #[automatically_derived]
            impl #p::TemplatePart for #ident {}

            #[automatically_derived]
            impl #p::SetElement for #ident {
                const SET_EXPECTED: &'static str = #expected;

                fn set_to_attr<'a>(
                    members: impl ::core::iter::ExactSizeIterator<Item = &'a Self>,
                ) -> ::core::result::Result<::core::option::Option<#p::AttributeValue>, #p::AttrError>
                where
                    Self: 'a,
                {
                    if members.len() == 0 {
                        return ::core::result::Result::Ok(::core::option::Option::None);
                    }
                    ::core::result::Result::Ok(::core::option::Option::Some(#p::AttributeValue::Ss(
                        members.map(|m| ::std::string::String::from(m.__dynamo_name())).collect(),
                    )))
                }

                fn set_from_attr<C: ::core::iter::FromIterator<Self>>(
                    value: #p::AttributeValue,
                ) -> ::core::result::Result<C, #p::AttrError> {
                    match value {
                        #p::AttributeValue::Ss(members) => members
                            .iter()
                            .map(|m| Self::__dynamo_parse(m).ok_or_else(|| {
                                #p::AttrError::mismatch(#expected, ::std::format!("set member {:?}", m))
                            }))
                            .collect(),
                        other => ::core::result::Result::Err(#p::AttrError::mismatch(#expected, #p::describe(&other))),
                    }
                }
            }
        };
    }
}
