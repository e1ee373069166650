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

    let constants = input.stored_fields().filter_map(|f| {
        let name = f.stored_name();
        let value = match f.attrs.constant.as_ref()? {
            syn::Lit::Str(s) => quote!(#p::ConstantValue::String(#s)),
            syn::Lit::Int(i) => {
                let digits = i.base10_digits();
                quote!(#p::ConstantValue::Number(#digits))
            }
            syn::Lit::Float(f) => {
                let digits = f.base10_digits();
                quote!(#p::ConstantValue::Number(#digits))
            }
            syn::Lit::Bool(b) => quote!(#p::ConstantValue::Bool(#b)),
            _ => return None,
        };
        Some(quote!((#name, #value)))
    });
    let unversioned = version_field.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl #p::Unversioned for #ident {}
        }
    });
    let read_options = read_options(input);
    let item_rule = input.attrs.validate.as_ref().map(|path| {
        let name = quote!(#path).to_string().replace(' ', "");
        quote! {
            fn item_rule() -> ::core::option::Option<&'static str> {
                ::core::option::Option::Some(#name)
            }
        }
    });
    let target = target_fn(input, true);
    let missing_required = missing_required(input);

    let key_fields: Vec<&Field> = std::iter::once(hash).chain(range).collect();
    let key_struct = key_struct(input, &key_ident, &key_fields);
    let key_clones = key_fields.iter().map(|f| {
        let member = f.ident;
        quote!(#member: ::core::clone::Clone::clone(&self.#member),)
    });
    let key_writes = key_fields.iter().enumerate().map(|(i, f)| {
        let member = f.ident;
        let name = f.stored_name();
        let value = match transformed(f, quote!(&self.#member)) {
            Some(value) => quote!(&(#value)),
            None => quote!(&self.#member),
        };
        // The hash key first: each part has its own size limit.
        let convert = if i == 0 {
            quote!(#p::partition_key_value)
        } else {
            quote!(#p::sort_key_value)
        };
        quote! {
            item.insert(::std::string::String::from(#name), #convert(#value, #name)?);
        }
    });
    let key_count = key_fields.len();
    let handles = handles(input, true, true);
    let validation = validation(input);
    let capacity = capacity(input);
    let transformed_fields: Vec<TokenStream> = input
        .stored_fields()
        .filter(|f| f.attrs.set.is_some())
        .map(|f| {
            let name = f.stored_name();
            let hooks = hooks_const(f);
            quote!(#name => ::core::option::Option::Some(&Self::#hooks),)
        })
        .collect();
    let field_hooks = (!transformed_fields.is_empty()).then(|| {
        quote! {
            fn field_hooks(name: &str) -> ::core::option::Option<&'static #p::FieldHooks> {
                match name {
                    #(#transformed_fields)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    });

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
                    constants: &[#(#constants),*],
                };

                fn to_item(&self) -> #p::Result<#p::Item> {
                    let mut item = #p::item(#capacity);
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

                #field_hooks
                #read_options
                #item_rule
                #target
                #missing_required

                fn validate(&self) -> #p::Result<()> {
                    let mut violations = ::std::vec::Vec::new();
                    let (at, out) = (&#p::Loc::Root, &mut violations);
                    #validation
                    #p::violations(violations)
                }
            }

            #unversioned

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

/// The number of attributes `to_item` writes at most, for the map's capacity.
fn capacity(input: &Input) -> TokenStream {
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

/// `to_item` / `to_map` statements: one per stored field, then the `flatten` field's.
fn field_writes(input: &Input) -> Vec<TokenStream> {
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
fn known_names(input: &Input) -> Vec<String> {
    input
        .stored_fields()
        .flat_map(|f| {
            std::iter::once(f.stored_name()).chain(f.attrs.aliases.iter().map(syn::LitStr::value))
        })
        .collect()
}

/// The value a write stores for a field, as a `&T` expression: the field, its `set` transform,
/// or (`force_default`) its default.
fn stored_value(field: &Field) -> TokenStream {
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
fn transformed(field: &Field, value: TokenStream) -> Option<TokenStream> {
    let set = field.attrs.set.as_ref()?;
    Some(if is_option(field.ty) {
        quote_spanned!(set.span()=> ::core::option::Option::map(::core::option::Option::as_ref(#value), |value| #set(value)))
    } else {
        quote_spanned!(set.span()=> #set(#value))
    })
}

/// Whether the type is spelled `Option<..>`: rules and transforms then apply to the value inside.
fn is_option(ty: &syn::Type) -> bool {
    !std::ptr::eq(strip_option(ty), ty)
}

/// `from_item` / `from_map` field initializers: one per field, the `flatten` field last (it
/// takes what the others left).
fn field_reads(input: &Input) -> Vec<TokenStream> {
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
                    #p::read(&mut item, #name, |v| #p::Timestamp::from_attr_as(v, #format), <#ty as #p::Attribute>::from_missing)
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
fn got(field: &Field, value: TokenStream) -> Option<TokenStream> {
    let get = field.attrs.get.as_ref()?;
    Some(if is_option(field.ty) {
        quote_spanned!(get.span()=> ::core::option::Option::map(#value, #get))
    } else {
        quote_spanned!(get.span()=> #get(#value))
    })
}

/// Whether a field has rules of its own (checked by a generated `__dynamo_check_*` function).
fn has_rules(field: &Field) -> bool {
    field.is_stored() && (!field.attrs.rules.is_empty() || field.attrs.constant.is_some())
}

fn check_fn(field: &Field) -> Ident {
    format_ident!("__dynamo_check_{}", crate::ast::unraw(field.ident))
}

/// The body of validation: statements over `self`, `at` (where the struct is) and `out`.
fn validation(input: &Input) -> TokenStream {
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
fn optional(bound: &Option<syn::Expr>, wrap: fn(&syn::Expr) -> TokenStream) -> TokenStream {
    match bound {
        Some(bound) => {
            let bound = wrap(bound);
            quote!(::core::option::Option::Some(#bound))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// A `range` bound: any number converts into a `Bound`.
fn range_bound(bound: &syn::Expr) -> TokenStream {
    let p = private();
    quote_spanned!(bound.span()=> #p::Bound::from(#bound))
}

/// A `length` bound: a `usize`.
fn length_bound(bound: &syn::Expr) -> TokenStream {
    quote_spanned!(bound.span()=> { let bound: usize = #bound; bound })
}

/// A field's rules, as statements over `value: &T` (the value inside an `Option`).
fn rules(field: &Field) -> TokenStream {
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
fn field_functions(input: &Input) -> TokenStream {
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
fn limits(field: &Field) -> TokenStream {
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

/// `aliases` and `prepare_projection`: the read options a projection of the model's attributes
/// needs (the whole-item read does the same in `from_item`).
fn read_options(input: &Input) -> TokenStream {
    let p = private();
    let aliased: Vec<TokenStream> = input
        .stored_fields()
        .filter(|f| !f.attrs.aliases.is_empty())
        .map(|f| {
            let name = f.stored_name();
            let aliases = &f.attrs.aliases;
            quote!(#name => &[#(#aliases),*],)
        })
        .collect();
    let moves = input
        .stored_fields()
        .filter(|f| !f.attrs.aliases.is_empty())
        .map(|f| {
            let name = f.stored_name();
            let aliases = &f.attrs.aliases;
            quote!(#p::move_alias(item, #name, &[#(#aliases),*]);)
        });
    let transforms = input
        .stored_fields()
        .filter(|f| f.attrs.get.is_some())
        .map(|f| {
            let name = f.stored_name();
            let hook = format_ident!("__dynamo_hook_read_{}", crate::ast::unraw(f.ident));
            quote!(#p::read_transform(item, #name, Self::#hook)?;)
        });
    let aliases = (!aliased.is_empty()).then(|| {
        quote! {
            fn aliases(name: &str) -> &'static [&'static str] {
                match name {
                    #(#aliased)*
                    _ => &[],
                }
            }
        }
    });
    quote! {
        #aliases

        fn prepare_projection(item: &mut #p::Item) -> ::core::result::Result<(), #p::AttrError> {
            #(#moves)*
            #(#transforms)*
            ::core::result::Result::Ok(())
        }
    }
}

/// `target`: what an untyped path reaches among the fields (see `Target`). For a model, names
/// it does not know are attributes it does not describe; inside a document without `flatten`,
/// they cannot be there.
fn target_fn(input: &Input, model: bool) -> TokenStream {
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
                    #p::Timestamp::from_attr_as(::core::clone::Clone::clone(value), #format).map(drop)
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

/// `missing_required`: the first attribute every item must hold that an upsert does not set.
fn missing_required(input: &Input) -> TokenStream {
    let p = private();
    let checks = input
        .stored_fields()
        .filter(|f| f.attrs.default.is_none() && f.attrs.default_fn.is_none())
        .map(|field| {
            let name = field.stored_name();
            let ty = field.ty;
            let required = if time_role(input, field).is_some() {
                quote!(true)
            } else if field.attrs.serde.is_some() {
                quote!(#p::serde_required::<#ty>())
            } else {
                quote_spanned!(ty.span()=> <#ty as #p::Attribute>::from_missing().is_err())
            };
            quote! {
                if !is_set(#name) && #required {
                    return ::core::option::Option::Some(#name);
                }
            }
        });
    quote! {
        fn missing_required(is_set: &dyn ::core::ops::Fn(&str) -> bool) -> ::core::option::Option<&'static str> {
            #(#checks)*
            ::core::option::Option::None
        }
    }
}

/// Whether the type is a primitive number (`u32`, `f64`, …), which a literal can infer.
fn is_primitive_number(ty: &syn::Type) -> bool {
    const NUMBERS: [&str; 14] = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "f32", "f64",
    ];
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .is_some_and(|ident| NUMBERS.contains(&ident.to_string().as_str())),
        _ => false,
    }
}

fn hooks_const(field: &Field) -> Ident {
    format_ident!(
        "__DYNAMO_HOOKS_{}",
        valid::handle_name(&crate::ast::unraw(field.ident))
    )
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
            handles(&ast, false, false)
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
    let capacity = capacity(&ast);
    let attribute_names = ast.stored_fields().map(Field::stored_name);
    let handles = handles(&ast, false, true);
    let validation = validation(&ast);
    let target = target_fn(&ast, false);
    let expected = format!("map ({ident})");
    quote! {
        #handles

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
    // Numbers are taken as they are, so an integer literal infers the key's type
    // (`impl Into<u32>` would refuse `1`, an `i32`); other types take anything that converts.
    let params = key_fields.iter().map(|f| {
        let member = f.ident;
        let ty = f.ty;
        if is_primitive_number(ty) {
            quote!(#member: #ty)
        } else {
            quote!(#member: impl ::core::convert::Into<#ty>)
        }
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
/// With `with_hooks`, handles carry the fields' rules and transforms (see `field_functions`);
/// without, they are plain (the stand-ins generated next to derive errors).
pub fn handles(input: &Input, with_indexes: bool, with_hooks: bool) -> TokenStream {
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
        let mut attr = if with_hooks {
            let hooks = hooks_const(field);
            quote!(#p::Attr::with_hooks(#name, &Self::#hooks))
        } else {
            quote!(#p::Attr::new(#name))
        };
        if with_hooks && default_value(field).is_some() {
            let default = format_ident!("__dynamo_default_{}", crate::ast::unraw(field.ident));
            attr = quote!(#attr.with_default(Self::#default));
        }
        Some(quote! {
            #[doc = #doc]
            #vis const #handle: #p::Attr<#ident, #ty> = #attr;
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
    let functions = if with_hooks {
        field_functions(input)
    } else {
        TokenStream::new()
    };
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#fields)*
            #(#indexes)*
            #functions
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
