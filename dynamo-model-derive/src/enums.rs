//! `#[derive(Attributes)]` on an enum of unit variants: stored as a string (`S`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DataEnum, DeriveInput, Fields, LitStr};

use crate::attr::Errors;

const STYLES: [&str; 7] = [
    "lowercase",
    "UPPERCASE",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "camelCase",
    "PascalCase",
];

pub fn expand(input: &DeriveInput, data: &DataEnum) -> TokenStream {
    let mut errors = Errors::default();
    let mut rename_all: Option<LitStr> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let style: LitStr = meta.value()?.parse()?;
                if !STYLES.contains(&style.value().as_str()) {
                    errors.spanned(
                        &style,
                        format!(
                            "unknown rename_all style; expected one of {}",
                            STYLES.join(", ")
                        ),
                    );
                }
                rename_all = Some(style);
                Ok(())
            } else {
                Err(meta.error("unknown dynamo option on an enum; expected `rename_all`"))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "a stored enum cannot be generic");
    }
    let mut names = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.spanned(
                &variant.ident,
                "only unit variants can be stored as strings; store a data-carrying enum with `#[dynamo(serde)]` on the field",
            );
        }
        let mut rename = None;
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse::<LitStr>()?.value());
                    Ok(())
                } else {
                    Err(meta.error("unknown dynamo option on a variant; expected `rename`"))
                }
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        let name = rename.unwrap_or_else(|| {
            let ident = variant.ident.to_string();
            match &rename_all {
                Some(style) => restyle(&ident, &style.value()),
                None => ident,
            }
        });
        if names.iter().any(|(n, _)| n == &name) {
            errors.spanned(
                &variant.ident,
                format!("two variants are stored as {name:?}"),
            );
        }
        names.push((name, &variant.ident));
    }
    if data.variants.is_empty() {
        errors.spanned(&input.ident, "a stored enum needs at least one variant");
    }
    if let Some(error) = errors.finish() {
        return error.to_compile_error();
    }
    let p = quote!(::dynamo_model::__private);
    let ident = &input.ident;
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
    quote! {
        const _: () = {
            impl #ident {
                fn __dynamo_name(&self) -> &'static str {
                    match self { #(#to,)* }
                }

                fn __dynamo_parse(text: &str) -> ::core::option::Option<Self> {
                    ::core::option::Option::Some(match text { #(#from,)* _ => return ::core::option::Option::None })
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

/// `InProgress` in the given style: `in_progress`, `IN_PROGRESS`, `in-progress`, `inProgress`, …
fn restyle(ident: &str, style: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in ident.chars() {
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        words.last_mut().expect("pushed above").push(c);
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let capitalized = |w: &String| {
        let mut chars = w.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    match style {
        "lowercase" => lower.concat(),
        "UPPERCASE" => lower.concat().to_uppercase(),
        "snake_case" => lower.join("_"),
        "SCREAMING_SNAKE_CASE" => lower.join("_").to_uppercase(),
        "kebab-case" => lower.join("-"),
        "camelCase" => lower
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.clone() } else { capitalized(w) })
            .collect(),
        _ => lower.iter().map(capitalized).collect::<String>(),
    }
}

#[cfg(test)]
mod tests {
    use super::restyle;

    #[test]
    fn every_style() {
        let cases = [
            ("lowercase", "inprogress"),
            ("UPPERCASE", "INPROGRESS"),
            ("snake_case", "in_progress"),
            ("SCREAMING_SNAKE_CASE", "IN_PROGRESS"),
            ("kebab-case", "in-progress"),
            ("camelCase", "inProgress"),
            ("PascalCase", "InProgress"),
        ];
        for (style, expected) in cases {
            assert_eq!(restyle("InProgress", style), expected, "{style}");
        }
        assert_eq!(restyle("A", "snake_case"), "a");
    }
}
