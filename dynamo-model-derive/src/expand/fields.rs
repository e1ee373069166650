//! What both struct derives generate per field: item writes and reads, validation, the hooks
//! typed handles carry, and the path targets of untyped paths.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::{is_option, option, private};
use crate::ast::{Field, Input};
use crate::attr::TimeFormat;
use crate::valid;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeRole {
    Created,
    Updated,
}

/// Whether a field is the `created_at` or `updated_at` attribute, and its storage format.
pub(crate) fn time_role(input: &Input, field: &Field) -> Option<(TimeRole, TokenStream)> {
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
        .and_then(|f| TimeFormat::named(&f.value()))
        .unwrap_or(TimeFormat::Rfc3339);
    let format = match format {
        TimeFormat::Rfc3339 => quote!(#p::TimeFormat::Rfc3339),
        TimeFormat::EpochSeconds => quote!(#p::TimeFormat::EpochSeconds),
        TimeFormat::EpochMillis => quote!(#p::TimeFormat::EpochMillis),
    };
    Some((role, format))
}

/// The number of attributes `to_item` writes at most, for the map's capacity.
pub(crate) fn capacity(input: &Input) -> TokenStream {
    let stored = input.stored_fields().count();
    match input.flatten_field() {
        Some(field) => {
            let member = field.ident;
            quote!(#stored + self.#member.len())
        }
        None => quote!(#stored),
    }
}

/// A field's `default` or `default_fn` value.
pub(crate) fn default_value(field: &Field) -> Option<TokenStream> {
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
pub(crate) fn missing_value(field: &Field) -> Option<TokenStream> {
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

/// `to_item` / `to_map` statements: one per stored field, then the `flatten` field's.
pub(crate) fn field_writes(input: &Input) -> Vec<TokenStream> {
    let p = private();
    let mut writes: Vec<TokenStream> = input
        .stored_fields()
        .map(|field| {
            let name = field.stored_name();
            let member = field.ident;
            let ty = field.ty;
            // The trait is named in the same form in writes and reads, so an unsupported type
            // is reported once, on the field's type.
            if let Some((_, format)) = time_role(input, field) {
                return quote_spanned! {ty.span()=>
                    #p::write(&mut item, #name, #p::timestamp_to_attr(&self.#member, #format))?;
                };
            }
            let value = stored_value(field);
            if field.attrs.serde.is_some() {
                quote_spanned!(ty.span()=> #p::write_serde(&mut item, #name, #value)?;)
            } else {
                quote_spanned! {ty.span()=>
                    #p::write(&mut item, #name, <#ty as #p::Attribute>::to_attr(#value))?;
                }
            }
        })
        .collect();
    if let Some(field) = input.flatten_field() {
        let member = field.ident;
        let known = known_names(input);
        writes.push(quote_spanned! {field.ty.span()=>
            #p::write_extra(&mut item, &self.#member, &[#(#known),*])?;
        });
    }
    writes
}

/// Every name the model reads: stored names and aliases (kept out of the `flatten` field).
pub(crate) fn known_names(input: &Input) -> Vec<String> {
    input
        .stored_fields()
        .flat_map(|f| {
            std::iter::once(f.stored_name()).chain(f.attrs.aliases.iter().map(syn::LitStr::value))
        })
        .collect()
}

/// The value a write stores for a field, as a `&T` expression: the field, its `set` transform,
/// or (`force_default`) its default.
pub(crate) fn stored_value(field: &Field) -> TokenStream {
    let member = field.ident;
    let ty = field.ty;
    if field.attrs.force_default.is_some() {
        if let Some(value) = default_value(field) {
            return quote!(&{ let value: #ty = #value; value });
        }
    }
    match transformed(field, quote!(&self.#member)) {
        Some(value) => quote!(&{ let value: #ty = #value; value }),
        None => quote!(&self.#member),
    }
}

/// `value` (a `&T` expression) through the field's `set` transform; `None` without one.
pub(crate) fn transformed(field: &Field, value: TokenStream) -> Option<TokenStream> {
    let set = field.attrs.set.as_ref()?;
    Some(if is_option(field.ty) {
        quote_spanned!(set.span()=> ::core::option::Option::map(::core::option::Option::as_ref(#value), |value| #set(value)))
    } else {
        quote_spanned!(set.span()=> #set(#value))
    })
}

/// `from_item` / `from_map` field initializers: one per field, the `flatten` field last (it
/// takes what the others left).
pub(crate) fn field_reads(input: &Input) -> Vec<TokenStream> {
    let p = private();
    let mut reads: Vec<TokenStream> = input
        .fields
        .iter()
        .filter(|f| f.attrs.flatten.is_none())
        .map(|field| {
            let name = field.stored_name();
            let member = field.ident;
            let ty = field.ty;
            if !field.is_stored() {
                return match default_value(field) {
                    Some(value) => quote!(#member: #value,),
                    None => quote_spanned!(ty.span()=> #member: <#ty as ::core::default::Default>::default(),),
                };
            }
            let read = if let Some((_, format)) = time_role(input, field) {
                quote_spanned! {ty.span()=>
                    #p::read(&mut item, #name, |v| #p::timestamp_from_attr::<#ty>(v, #format), <#ty as #p::Attribute>::from_missing)
                }
            } else if field.attrs.serde.is_some() {
                let read = quote_spanned!(ty.span()=> #p::read_serde::<#ty>(&mut item, #name));
                match got(field, quote!(value)) {
                    // A match, not `.map(|value| get(value))`, which clippy flags in user code.
                    Some(get) => quote! {
                        match #read {
                            ::core::result::Result::Ok(value) => ::core::result::Result::Ok(#get),
                            ::core::result::Result::Err(e) => ::core::result::Result::Err(e),
                        }
                    },
                    None => read,
                }
            } else {
                let from_attr = match got(field, quote!(value)) {
                    Some(get) => quote_spanned! {ty.span()=>
                        |value| match <#ty as #p::Attribute>::from_attr(value) {
                            ::core::result::Result::Ok(value) => ::core::result::Result::Ok(#get),
                            ::core::result::Result::Err(e) => ::core::result::Result::Err(e),
                        }
                    },
                    None => quote_spanned!(ty.span()=> <#ty as #p::Attribute>::from_attr),
                };
                if let Some(missing) = missing_value(field) {
                    let aliases = &field.attrs.aliases;
                    quote_spanned! {ty.span()=>
                        #p::read_or(&mut item, #name, &[#(#aliases),*], #from_attr, || -> ::core::result::Result<#ty, #p::AttrError> { #missing })
                    }
                } else {
                    quote_spanned! {ty.span()=>
                        #p::read(&mut item, #name, #from_attr, <#ty as #p::Attribute>::from_missing)
                    }
                }
            };
            match &field.attrs.constant {
                Some(constant) => quote_spanned! {constant.span()=>
                    #member: #p::read_constant(#read, &#constant, #name)?,
                },
                None => quote!(#member: #read?,),
            }
        })
        .collect();
    if let Some(field) = input.flatten_field() {
        let member = field.ident;
        // What the other fields left: the attributes no field names.
        reads.push(quote_spanned!(field.ty.span()=> #member: item,));
    }
    reads
}

/// `value` (an owned `T`) through the field's `get` transform; `None` without one.
pub(crate) fn got(field: &Field, value: TokenStream) -> Option<TokenStream> {
    let get = field.attrs.get.as_ref()?;
    Some(if is_option(field.ty) {
        quote_spanned!(get.span()=> ::core::option::Option::map(#value, #get))
    } else {
        quote_spanned!(get.span()=> #get(#value))
    })
}

/// Whether a field has rules of its own (checked by a generated `__dynamo_check_*` function).
pub(crate) fn has_rules(field: &Field) -> bool {
    field.is_stored() && (!field.attrs.rules.is_empty() || field.attrs.constant.is_some())
}

pub(crate) fn check_fn(field: &Field) -> Ident {
    format_ident!("__dynamo_check_{}", crate::ast::unraw(field.ident))
}

/// The body of validation: statements over `self`, `at` (where the struct is) and `out`.
pub(crate) fn validation(input: &Input) -> TokenStream {
    let p = private();
    let fields = input.stored_fields().map(|field| {
        let name = field.stored_name();
        let member = field.ident;
        let ty = field.ty;
        if has_rules(field) {
            let check = check_fn(field);
            quote!(Self::#check(&self.#member, &#p::Loc::Field(at, #name), out);)
        } else if field.attrs.serde.is_none() {
            quote_spanned! {ty.span()=>
                if <#ty as #p::Attribute>::NESTED {
                    <#ty as #p::Attribute>::validate_nested(&self.#member, &#p::Loc::Field(at, #name), out);
                }
            }
        } else {
            TokenStream::new()
        }
    });
    let whole = input
        .attrs
        .validate
        .as_ref()
        .map(|path| quote_spanned!(path.span()=> #p::struct_rule(#path(self), at, out);));
    quote! {
        #(#fields)*
        #whole
    }
}

/// `Some(bound)` or `None`, for a rule's optional bound.
pub(crate) fn optional(
    bound: &Option<syn::Expr>,
    wrap: fn(&syn::Expr) -> TokenStream,
) -> TokenStream {
    match bound {
        Some(bound) => {
            let bound = wrap(bound);
            quote!(::core::option::Option::Some(#bound))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// A `range` bound: any number converts into a `Bound`.
pub(crate) fn range_bound(bound: &syn::Expr) -> TokenStream {
    let p = private();
    quote_spanned!(bound.span()=> #p::Bound::from(#bound))
}

/// A `length` bound: a `usize`.
pub(crate) fn length_bound(bound: &syn::Expr) -> TokenStream {
    quote_spanned!(bound.span()=> { let bound: usize = #bound; bound })
}

/// A field's rules, as statements over `value: &T` (the value inside an `Option`).
pub(crate) fn rules(field: &Field) -> TokenStream {
    use crate::attr::Rule;
    let p = private();
    let rules = field.attrs.rules.iter().map(|rule| match rule {
        Rule::Range { span, min, max } => {
            let (min, max) = (optional(min, range_bound), optional(max, range_bound));
            quote_spanned!(*span=> #p::range(value, #min, #max, at, out);)
        }
        Rule::Length { span, min, max } => {
            let (min, max) = (optional(min, length_bound), optional(max, length_bound));
            quote_spanned!(*span=> #p::length(value, #min, #max, at, out);)
        }
        Rule::NonEmpty(span) => quote_spanned!(*span=> #p::non_empty(value, at, out);),
        Rule::Email(span) => quote_spanned!(*span=> #p::email(value, at, out);),
        Rule::Regex(pattern) => quote_spanned! {pattern.span()=>
            {
                static PATTERN: #p::Pattern = #p::Pattern::new(#pattern);
                #p::regex(value, &PATTERN, at, out);
            }
        },
        Rule::OneOf { span, values } => {
            quote_spanned!(*span=> #p::one_of(value, &[#(#values),*], at, out);)
        }
        Rule::Custom(path) => quote_spanned!(path.span()=> #p::custom(#path(value), at, out);),
    });
    let constant =
        field.attrs.constant.as_ref().map(
            |constant| quote_spanned!(constant.span()=> #p::constant(value, #constant, at, out);),
        );
    quote!(#constant #(#rules)*)
}

/// Per field with rules: `__dynamo_check_*` (the rules and those of nested documents, on the
/// field's value) and the hooks its handle carries for updates and conditions.
pub(crate) fn field_functions(input: &Input) -> TokenStream {
    let p = private();
    let functions = input.stored_fields().map(|field| {
        let ty = field.ty;
        let member = crate::ast::unraw(field.ident);
        let mut out = TokenStream::new();
        if has_rules(field) {
            let check = check_fn(field);
            let rules = rules(field);
            let rules = if is_option(ty) {
                quote!(if let ::core::option::Option::Some(value) = ::core::option::Option::as_ref(field) { #rules })
            } else {
                quote!(let value = field; #rules)
            };
            let nested = field.attrs.serde.is_none().then(|| quote_spanned! {ty.span()=>
                if <#ty as #p::Attribute>::NESTED {
                    <#ty as #p::Attribute>::validate_nested(field, at, out);
                }
            });
            out.extend(quote! {
                #[doc(hidden)]
                #[allow(clippy::ptr_arg)]
                fn #check(field: &#ty, at: &#p::Loc<'_>, out: &mut ::std::vec::Vec<#p::Violation>) {
                    #rules
                    #nested
                }
            });
        }
        let (decode, encode) = if field.attrs.serde.is_some() {
            (quote!(#p::serde_from_attr::<#ty>), quote!(#p::serde_to_attr::<#ty>))
        } else {
            (quote!(<#ty as #p::Attribute>::from_attr), quote!(<#ty as #p::Attribute>::to_attr))
        };
        let check = if has_rules(field) {
            let check = check_fn(field);
            let hook = format_ident!("__dynamo_hook_check_{}", member);
            out.extend(quote! {
                #[doc(hidden)]
                fn #hook(value: &#p::AttributeValue, at: &#p::Loc<'_>, out: &mut ::std::vec::Vec<#p::Violation>) {
                    if let ::core::result::Result::Ok(field) = #decode(::core::clone::Clone::clone(value)) {
                        Self::#check(&field, at, out);
                    }
                }
            });
            quote!(::core::option::Option::Some(Self::#hook))
        } else if field.attrs.serde.is_none() {
            quote_spanned! {ty.span()=>
                if <#ty as #p::Attribute>::NESTED {
                    ::core::option::Option::Some(<#ty as #p::Attribute>::validate_attr)
                } else {
                    ::core::option::Option::None
                }
            }
        } else {
            quote!(::core::option::Option::None)
        };
        // A transform on one stored value: read as the field's type, transformed, stored again.
        let mut value_hook = |kind: &str, transform: Option<TokenStream>| match transform {
            Some(value) => {
                let hook = format_ident!("__dynamo_hook_{}_{}", kind, member);
                out.extend(quote! {
                    #[doc(hidden)]
                    fn #hook(value: #p::AttributeValue) -> ::core::result::Result<::core::option::Option<#p::AttributeValue>, #p::AttrError> {
                        let field: #ty = #decode(value)?;
                        let field: #ty = #value;
                        #encode(&field)
                    }
                });
                quote!(::core::option::Option::Some(Self::#hook))
            }
            None => quote!(::core::option::Option::None),
        };
        let write = value_hook("write", transformed(field, quote!(&field)));
        let read = value_hook("read", got(field, quote!(field)));
        let limits = if has_rules(field) {
            let function = format_ident!("__dynamo_limits_{}", member);
            let body = limits(field);
            out.extend(quote! {
                #[doc(hidden)]
                fn #function() -> #p::Limits {
                    #body
                }
            });
            quote!(::core::option::Option::Some(Self::#function))
        } else {
            quote!(::core::option::Option::None)
        };
        let item_rule = option(input.attrs.validate.as_ref().map(|path| {
            let name = quote!(#path).to_string().replace(' ', "");
            quote!(#name)
        }));
        let hooks = hooks_const(field);
        out.extend(quote! {
            #[doc(hidden)]
            const #hooks: #p::FieldHooks = #p::FieldHooks {
                check: #check,
                write: #write,
                read: #read,
                limits: #limits,
                item_rule: #item_rule,
            };
        });
        if let Some(value) = default_value(field) {
            let default = format_ident!("__dynamo_default_{}", member);
            out.extend(quote! {
                #[doc(hidden)]
                fn #default() -> #ty {
                    #value
                }
            });
        }
        out
    });
    quote!(#(#functions)*)
}

/// A field's rules as bounds for relative updates (see `Limits`).
pub(crate) fn limits(field: &Field) -> TokenStream {
    use crate::attr::Rule;
    let p = private();
    let mut range = quote!(::core::option::Option::None);
    let mut length = quote!(::core::option::Option::None);
    let mut non_empty = false;
    let mut other: Option<&str> = field.attrs.constant.as_ref().map(|_| "constant");
    for rule in &field.attrs.rules {
        match rule {
            Rule::Range { min, max, .. } => {
                let (min, max) = (optional(min, range_bound), optional(max, range_bound));
                range = quote!(::core::option::Option::Some((#min, #max)));
            }
            Rule::Length { min, max, .. } => {
                let (min, max) = (optional(min, length_bound), optional(max, length_bound));
                length = quote!(::core::option::Option::Some((#min, #max)));
            }
            Rule::NonEmpty(_) => non_empty = true,
            Rule::Regex(_) => {
                other.get_or_insert("regex");
            }
            Rule::Email(_) => {
                other.get_or_insert("email");
            }
            Rule::OneOf { .. } => {
                other.get_or_insert("one_of");
            }
            Rule::Custom(_) => {
                other.get_or_insert("custom");
            }
        }
    }
    let other = option(other.map(|rule| quote!(#rule)));
    quote! {
        #p::Limits {
            range: #range,
            length: #length,
            non_empty: #non_empty,
            other: #other,
        }
    }
}

/// `target`: what an untyped path reaches among the fields (see `Target`). For a model, names
/// it does not know are attributes it does not describe; inside a document without `flatten`,
/// they cannot be there.
pub(crate) fn target_fn(input: &Input, model: bool) -> TokenStream {
    let p = private();
    let arms = input.stored_fields().map(|field| {
        let name = field.stored_name();
        let ty = field.ty;
        let hooks = hooks_const(field);
        let has_default = field.attrs.default.is_some() || field.attrs.default_fn.is_some();
        let reach = if field.attrs.serde.is_some() {
            quote!(#p::Target::Unknown)
        } else if let Some((_, format)) = time_role(input, field) {
            quote! {
                #p::timestamp_target(rest, |value| {
                    #p::timestamp_from_attr::<#ty>(::core::clone::Clone::clone(value), #format).map(drop)
                }, &Self::#hooks)
            }
        } else {
            // The trait is named as in reads and writes, so an unsupported type is reported once.
            quote_spanned! {ty.span()=>
                #p::field_target(
                    <#ty as #p::Attribute>::target(rest),
                    rest,
                    &Self::#hooks,
                    #has_default,
                    <#ty as #p::Attribute>::from_missing,
                )
            }
        };
        quote!(#name => #reach,)
    });
    let (empty, unknown) = if model {
        (quote!(#p::Target::Unknown), quote!(#p::Target::Unknown))
    } else {
        let unknown = if input.flatten_field().is_some() {
            quote!(#p::Target::Unknown)
        } else {
            quote!(#p::Target::Invalid(<Self as #p::Attribute>::EXPECTED))
        };
        (quote!(#p::value_target::<Self>()), unknown)
    };
    let index = if model {
        quote!(#p::Target::Unknown)
    } else {
        quote!(#p::Target::Invalid(<Self as #p::Attribute>::EXPECTED))
    };
    quote! {
        fn target(path: &[#p::PathElement]) -> #p::Target {
            match path {
                [] => #empty,
                [#p::PathElement::Name(name), rest @ ..] => match ::core::convert::AsRef::<str>::as_ref(name) {
                    #(#arms)*
                    _ => #unknown,
                },
                _ => #index,
            }
        }
    }
}

pub(crate) fn hooks_const(field: &Field) -> Ident {
    format_ident!(
        "__DYNAMO_HOOKS_{}",
        valid::handle_name(&crate::ast::unraw(field.ident))
    )
}
