//! `schemars::JsonSchema` for a struct (the JSON serde reads and writes, with each field's
//! `validate(..)` rules as keywords) and for an enum of unit variants. Wrapped in the runtime's
//! `json_schema_impl!`, which keeps it only with the runtime's feature `json-schema`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::fields::{length_bound, optional, range_bound};
use super::{is_option, private, strip_option};
use crate::ast::{unraw, Field, Input, UnitEnum};
use crate::attr::Rule;

pub fn for_struct(input: &Input) -> TokenStream {
    let p = private();
    let ident = input.ident;
    let description = &input.doc;
    // A `#[serde(flatten)]` field's properties are not described one by one: the object is
    // left open to them (never stricter than serde).
    let closed =
        input.serde.deny_unknown_fields && input.fields.iter().all(|f| f.serde.flatten.is_none());
    let properties = input
        .fields
        .iter()
        .filter(|field| field.serde.flatten.is_none())
        .map(|field| property(input, field));
    let body = quote! {
        let mut object = #p::JsonObject::new(generator, #description, #closed);
        #(#properties)*
        object.finish()
    };
    impl_for(&ident.to_string(), ident, body)
}

fn property(input: &Input, field: &Field) -> TokenStream {
    let p = private();
    let ty = field.ty;
    let rust_name = unraw(field.ident);
    let (all_read, all_written) = input.serde.rename_all;
    let name = |own: &Option<String>, style: Option<crate::serde_attr::Style>| match (own, style) {
        (Some(own), _) => own.clone(),
        (None, Some(style)) => style.field(&rust_name),
        (None, None) => rust_name.clone(),
    };
    let read_as = name(&field.serde.rename.read, all_read);
    let written_as = name(&field.serde.rename.written, all_written);
    let (not_read, not_written) = (field.serde.not_read, field.serde.not_written);
    let default = field.serde.default || input.serde.default;
    let written_if = field.serde.written_if;
    let description = &field.doc;
    let rules = if field.is_stored() {
        rules(field)
    } else {
        TokenStream::new()
    };
    let nullable = is_option(ty);
    quote_spanned! {ty.span()=>
        {
            #[allow(unused_mut)]
            let mut rules = #p::JsonRules::new(#nullable);
            #rules
            let schema = {
                // One of the two applies to a given type (autoref picks it).
                #[allow(unused_imports)]
                use #p::{JsonDescribed as _, JsonUndescribed as _};
                (&#p::JsonProbe::<#ty>::new()).schema(object.generator())
            };
            object.property(
                schema,
                #nullable,
                #p::SerdeField {
                    read_as: #read_as,
                    written_as: #written_as,
                    not_read: #not_read,
                    not_written: #not_written,
                    default: #default,
                    written_if: #written_if,
                },
                #description,
                rules,
            );
        }
    }
}

/// A field's rules as calls on `rules`, each the keywords of the rule `fields::rules` runs.
fn rules(field: &Field) -> TokenStream {
    let p = private();
    let inner = strip_option(field.ty);
    // What a length counts, asked without a bound: a type without a length is reported once,
    // by the rule's own check.
    let unit = quote! {{
        #[allow(unused_imports)]
        use #p::{JsonMeasured as _, JsonUnmeasured as _};
        (&#p::JsonProbe::<#inner>::new()).unit()
    }};
    let calls = field.attrs.rules.iter().map(|rule| match rule {
        Rule::Range { span, min, max } => {
            let (min, max) = (optional(min, range_bound), optional(max, range_bound));
            quote_spanned!(*span=> rules.range(#min, #max);)
        }
        Rule::Length { span, min, max } => {
            let (min, max) = (optional(min, length_bound), optional(max, length_bound));
            quote_spanned!(*span=> rules.length(#unit, #min, #max);)
        }
        Rule::NonEmpty(span) => quote_spanned!(*span=> rules.non_empty(#unit);),
        Rule::Email(span) => quote_spanned!(*span=> rules.email();),
        Rule::Regex(pattern) => quote_spanned!(pattern.span()=> rules.regex(#pattern);),
        Rule::OneOf { span, values } => {
            quote_spanned!(*span=> rules.one_of(&[#(#values),*]);)
        }
        // Code, not data: the library runs it before a write; a schema cannot say it.
        Rule::Custom(_) => TokenStream::new(),
    });
    let constant = field
        .attrs
        .constant
        .as_ref()
        .map(|constant| quote_spanned!(constant.span()=> rules.constant(#constant);));
    quote!(#constant #(#calls)*)
}

pub fn for_unit_enum(input: &UnitEnum) -> TokenStream {
    let p = private();
    let (all_read, all_written) = input.serde.rename_all;
    let names = |written: bool| -> Vec<String> {
        input
            .variants
            .iter()
            .map(|v| {
                let own = if written {
                    &v.serde.written
                } else {
                    &v.serde.read
                };
                let style = if written { all_written } else { all_read };
                match (own, style) {
                    (Some(own), _) => own.clone(),
                    (None, Some(style)) => style.variant(&v.ident.to_string()),
                    (None, None) => v.ident.to_string(),
                }
            })
            .collect()
    };
    let (read, written) = (names(false), names(true));
    let description = &input.doc;
    let body = quote! {
        #p::json_unit_enum(
            #description,
            &[#(#read),*],
            &[#(#written),*],
            generator.contract().is_deserialize(),
        )
    };
    impl_for(&input.ident.to_string(), input.ident, body)
}

fn impl_for(name: &str, ident: &syn::Ident, body: TokenStream) -> TokenStream {
    let p = private();
    quote! {
        #p::json_schema_impl! {
            #[automatically_derived]
            impl #p::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#name)
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #name))
                }

                fn json_schema(generator: &mut #p::schemars::SchemaGenerator) -> #p::schemars::Schema {
                    #body
                }
            }
        }
    }
}
