//! `#[derive(Model)]`: the schema, item conversions, the key struct and the handles.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident};

use super::fields::*;
use super::handles::handles;
use super::{assert_type, key_ident, option, private, strip_option};
use crate::ast::{Field, Input, KeyRef, KeySlot, Template};
use crate::attr::{Errors, IndexAttr, IndexKind, Projection, TableName};
use crate::{fallback, valid};

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let ast = Input::from_syn(input, &mut errors);
    valid::check(&ast, &mut errors);
    match errors.finish() {
        Some(error) => fallback::model(&ast, error),
        None => {
            let model = generate(&ast);
            let schema = super::json_schema::for_struct(&ast);
            quote!(#model #schema)
        }
    }
}

fn generate(input: &Input) -> TokenStream {
    let p = private();
    let ident = input.ident;
    let key_ident = key_ident(ident);
    // A constant's name is checked when the constant is evaluated: a bad one fails the build.
    let (table, table_check) = match input.attrs.table.as_ref().expect("checked by valid") {
        TableName::Literal(name) => (quote!(#name), quote!()),
        TableName::Const(path) => (
            quote!(#path),
            // Spelled out rather than `#p`, so that every token has the constant's span and a
            // failed check points at it.
            quote_spanned! {path.span()=>
                const _: () = ::dynamo_model::__private::check_table_name(#path);
            },
        ),
    };
    let templates = input.templates();
    let hash = input.table_hash().expect("checked by valid");
    let range = input.table_range();

    let hash_ty = key_type(input, &hash, false);
    let range_ty = match &range {
        Some(key) => key_type(input, key, false),
        None => quote!(()),
    };
    let hash_def = key_def(input, &hash, KeyRole::Table);
    let range_def = option(
        range
            .as_ref()
            .map(|key| key_def(input, key, KeyRole::Table)),
    );
    let indexes = input
        .attrs
        .indexes
        .iter()
        .map(|index| index_def(input, index, &hash_def));
    let template_defs = templates.iter().map(|t| template_def(input, t));
    let template_checks = template_checks(input);
    let template_handles = template_handles(input);
    let composes = (!templates.is_empty())
        .then(|| quote!(#p::compose_into(<Self as #p::Model>::SCHEMA, &mut item)?;));
    // Only a `flatten` field would read the composed attributes and the write token: taken out
    // for it.
    let template_names = templates
        .iter()
        .filter(|_| input.flatten_field().is_some())
        .map(|t| &t.name);
    let hide_token = input
        .flatten_field()
        .map(|_| quote!(item.remove(#p::WRITE_TOKEN);));
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
    let version_field = input.fields.iter().find(|f| f.attrs.version.is_some());
    let stored_name = |field: Option<&Field>| {
        option(field.map(|f| {
            let name = f.stored_name();
            quote!(#name)
        }))
    };
    let (ttl_name, version_name) = (stored_name(ttl_field), stored_name(version_field));
    // A TTL holds epoch seconds and a version counts writes: checked on the field's type.
    let ttl_check = assert_type(ttl_field, "ttl", "TtlAttribute");
    let version_check = assert_type(version_field, "version", "VersionAttribute");

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
    let struct_constants = input.attrs.constants.iter().map(|(name, value)| {
        let name = crate::ast::unraw(name);
        quote!((#name, #p::ConstantValue::String(#value)))
    });
    let constants = constants.chain(struct_constants);
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

    let key_fields: Vec<&Field> = input.key_fields();
    let key_struct = key_struct(input, &key_ident, &key_fields);
    let key_clones = key_fields.iter().map(|f| {
        let member = f.ident;
        quote!(#member: ::core::clone::Clone::clone(&self.#member),)
    });
    let key_value = |f: &Field| {
        let member = f.ident;
        match transformed(f, quote!(&self.#member)) {
            Some(value) => quote!(&(#value)),
            None => quote!(&self.#member),
        }
    };
    let mut key_fields_fn = None;
    let key_to_item = if templates.is_empty() {
        let writes = key_fields.iter().enumerate().map(|(i, f)| {
            let name = f.stored_name();
            let value = key_value(f);
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
        quote! {
            let mut item = #p::item(#key_count);
            #(#writes)*
            ::core::result::Result::Ok(item)
        }
    } else {
        // The key fields' stored values, from which the key templates compose the key.
        let writes = key_fields.iter().map(|f| {
            let name = f.stored_name();
            let value = key_value(f);
            quote!(#p::write_part(&mut fields, #name, #value)?;)
        });
        let field_count = key_fields.len();
        key_fields_fn = Some(quote! {
            fn fields(&self) -> #p::Result<#p::Item> {
                let mut fields = #p::item(#field_count);
                #(#writes)*
                ::core::result::Result::Ok(fields)
            }
        });
        quote! {
            #p::compose_key(<#ident as #p::Model>::SCHEMA, #p::PrimaryKey::fields(self)?)
        }
    };
    let handles = handles(input, true, true);
    let validation = validation(input);
    // The composed attributes too: a map that grows while `compose_into` adds them rehashes
    // every attribute (bench `conversion`, the order with key templates).
    let capacity = {
        let fields = capacity(input);
        let composed = templates.len();
        quote!(#fields + #composed)
    };
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
        #table_check
        #template_checks
        #template_handles

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
                    templates: &[#(#template_defs),*],
                };

                fn to_item(&self) -> #p::Result<#p::Item> {
                    let mut item = #p::item(#capacity);
                    #(#writes)*
                    #composes
                    ::core::result::Result::Ok(item)
                }

                fn from_item(mut item: #p::Item) -> #p::Result<Self> {
                    #(item.remove(#template_names);)*
                    #hide_token
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
                    #key_to_item
                }

                #key_fields_fn
            }
        };
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

#[derive(Clone, Copy)]
enum KeyRole {
    Table,
    Index,
}

fn field_key_def(field: &Field, role: KeyRole) -> TokenStream {
    let p = private();
    let name = field.stored_name();
    let ty = field.ty;
    let scalar = match role {
        KeyRole::Table => quote_spanned!(ty.span()=> <#ty as #p::KeyAttribute>::SCALAR),
        KeyRole::Index => quote_spanned!(ty.span()=> <#ty as #p::IndexKeyAttribute>::SCALAR),
    };
    quote!(#p::KeyDef { name: #name, scalar: #scalar })
}

/// A key attribute's definition: a field's name and type, or a template's name (a string).
fn key_def(input: &Input, key: &KeyRef, role: KeyRole) -> TokenStream {
    let p = private();
    match key {
        KeyRef::Field(field) => field_key_def(field, role),
        KeyRef::Template(i) => {
            let name = &input.templates()[*i].name;
            quote!(#p::KeyDef { name: #name, scalar: #p::ScalarType::String })
        }
    }
}

/// The type a key's value has in queries: the field's (without `Option` for an index), or
/// the template's composite of its parts' types.
pub(crate) fn key_type(input: &Input, key: &KeyRef, index: bool) -> TokenStream {
    let p = private();
    match key {
        KeyRef::Field(field) if index => {
            let ty = strip_option(field.ty);
            quote!(#ty)
        }
        KeyRef::Field(field) => {
            let ty = field.ty;
            quote!(#ty)
        }
        KeyRef::Template(i) => {
            let parts = part_types(input, &input.templates()[*i]);
            quote!(#p::Composite<(#(#parts,)*)>)
        }
    }
}

/// The types of a template's parts, in order.
fn part_types<'a>(input: &'a Input, template: &Template) -> Vec<&'a syn::Type> {
    template
        .parts
        .iter()
        .filter_map(|part| input.field_named(part).map(|f| f.ty))
        .collect()
}

fn index_def(input: &Input, index: &IndexAttr, table_hash: &TokenStream) -> TokenStream {
    let p = private();
    let name = index.name.as_ref().expect("checked by valid");
    let resolve = |slot: KeySlot, key: &syn::LitStr| {
        let key = input.resolve_key(slot, key).expect("checked by valid");
        key_def(input, &key, KeyRole::Index)
    };
    let (kind, hash) = match index.kind {
        IndexKind::Global => {
            let hash = index.hash.as_ref().expect("checked by valid");
            (
                quote!(#p::IndexKind::Global),
                resolve(KeySlot::IndexHash(name.value()), hash),
            )
        }
        IndexKind::Local => (quote!(#p::IndexKind::Local), table_hash.clone()),
    };
    let range = option(
        index
            .range
            .as_ref()
            .map(|r| resolve(KeySlot::IndexRange(name.value()), r)),
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

/// A template's definition in the schema: its parts by their stored names.
fn template_def(input: &Input, template: &Template) -> TokenStream {
    let p = private();
    let name = &template.name;
    let texts = &template.texts;
    let parts = template.parts.iter().map(|part| {
        input
            .field_named(part)
            .map_or_else(|| part.clone(), Field::stored_name)
    });
    let escaped = template.escaped();
    quote! {
        #p::TemplateDef {
            name: #name,
            texts: &[#(#texts),*],
            parts: &[#(#parts),*],
            escaped: #escaped,
        }
    }
}

/// Each template part's type can be part of a key (checked on the field's type).
fn template_checks(input: &Input) -> TokenStream {
    let p = private();
    let checks = input
        .templates()
        .iter()
        .flat_map(|t| part_types(input, t))
        .map(|ty| {
            quote_spanned! {ty.span()=>
                const _: () = #p::assert_key_part::<#ty>();
            }
        });
    quote!(#(#checks)*)
}

/// `Order::SK`: a typed handle per template.
fn template_handles(input: &Input) -> TokenStream {
    let templates = input.templates();
    let p = private();
    let (ident, vis) = (input.ident, input.vis);
    let handles = templates.iter().enumerate().map(|(i, template)| {
        let handle = format_ident!(
            "{}",
            valid::handle_name(&template.name),
            span = template.lit.span()
        );
        let parts = part_types(input, template);
        let doc = format!(
            "Typed handle to the attribute `{}` composed as `{}`.",
            template.name,
            template.lit.value()
        );
        quote! {
            #[doc = #doc]
            #vis const #handle: #p::Template<#ident, (#(#parts,)*)> =
                #p::Template::new(&<#ident as #p::Model>::SCHEMA.templates[#i]);
        }
    });
    if templates.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#handles)*
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
