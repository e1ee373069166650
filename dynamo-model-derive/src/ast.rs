//! syn input -> our nodes, for both shapes the derives take: a struct of named fields
//! ([`Input`]) and an enum of unit variants ([`UnitEnum`]). Each node keeps its original tokens,
//! so errors point at them. All `#[dynamo(..)]` parsing is in `attr`.

use proc_macro2::Span;
use syn::{Data, DataEnum, DeriveInput, Fields, Ident, Type, Visibility};

use crate::attr::{self, ContainerAttrs, EnumAttrs, Errors, FieldAttrs, VariantAttrs};

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
    /// False when the input is not a struct with named fields (already reported).
    pub named_struct: bool,
    /// The input has generic parameters (already reported).
    pub generic: bool,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

impl Field<'_> {
    /// The attribute name as stored: `rename`, or the field name without `r#`.
    pub fn stored_name(&self) -> String {
        match &self.attrs.rename {
            Some(name) => name.value(),
            None => unraw(self.ident),
        }
    }

    /// Where errors about the stored name point.
    pub fn name_span(&self) -> Span {
        self.attrs
            .rename
            .as_ref()
            .map_or_else(|| self.ident.span(), |r| r.span())
    }

    /// Stored as one attribute of its own (not `skip`, not the `flatten` field).
    pub fn is_stored(&self) -> bool {
        self.attrs.skip.is_none() && self.attrs.flatten.is_none()
    }
}

pub fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

impl<'a> Input<'a> {
    /// Parses what it can; every problem goes to `errors`.
    pub fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Input<'a> {
        let attrs = attr::container(&input.attrs, errors);
        if !input.generics.params.is_empty() {
            errors.spanned(
                &input.generics,
                "a Model cannot be generic: its table and schema are fixed at compile time",
            );
        }
        let named_struct = matches!(
            &input.data,
            Data::Struct(syn::DataStruct {
                fields: Fields::Named(_),
                ..
            })
        );
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .map(|f| Field {
                        ident: f.ident.as_ref().expect("named fields have names"),
                        ty: &f.ty,
                        attrs: attr::field(&f.attrs, errors),
                    })
                    .collect(),
                _ => {
                    errors.at(
                        input.ident.span(),
                        "a Model must be a struct with named fields, one per attribute",
                    );
                    Vec::new()
                }
            },
            _ => {
                errors.at(
                    input.ident.span(),
                    "a Model must be a struct with named fields, one per attribute",
                );
                Vec::new()
            }
        };
        Input {
            ident: &input.ident,
            vis: &input.vis,
            attrs,
            fields,
            named_struct,
            generic: !input.generics.params.is_empty(),
        }
    }

    pub fn stored_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.is_stored())
    }

    /// The field whose stored name or Rust name is `name`.
    pub fn field_named(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.stored_name() == name)
            .or_else(|| self.fields.iter().find(|f| unraw(f.ident) == name))
    }

    /// The `flatten` field, keeping attributes no other field names.
    pub fn flatten_field(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.attrs.flatten.is_some())
    }

    pub fn hash_key(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.attrs.hash_key.is_some())
    }

    pub fn range_key(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.attrs.range_key.is_some())
    }
}

/// An enum of unit variants, stored as a string.
pub struct UnitEnum<'a> {
    pub ident: &'a Ident,
    pub attrs: EnumAttrs,
    pub variants: Vec<Variant<'a>>,
    /// The input has generic parameters (already reported).
    pub generic: bool,
    /// `generics` as written, for errors.
    pub generics: &'a syn::Generics,
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// A unit variant (others are reported by `valid`).
    pub unit: bool,
    pub attrs: VariantAttrs,
}

impl<'a> UnitEnum<'a> {
    pub fn from_syn(input: &'a DeriveInput, data: &'a DataEnum, errors: &mut Errors) -> Self {
        UnitEnum {
            ident: &input.ident,
            attrs: attr::unit_enum(&input.attrs, errors),
            variants: data
                .variants
                .iter()
                .map(|v| Variant {
                    ident: &v.ident,
                    unit: matches!(v.fields, Fields::Unit),
                    attrs: attr::variant(&v.attrs, errors),
                })
                .collect(),
            generic: !input.generics.params.is_empty(),
            generics: &input.generics,
        }
    }

    /// Each variant with the string it is stored as: `rename`, else `rename_all` of its name.
    pub fn stored_names(&self) -> impl Iterator<Item = (String, &Variant<'a>)> {
        self.variants.iter().map(|v| {
            let name = match (&v.attrs.rename, self.attrs.rename_all) {
                (Some(rename), _) => rename.value(),
                (None, Some(rule)) => rule.apply(&v.ident.to_string()),
                (None, None) => v.ident.to_string(),
            };
            (name, v)
        })
    }
}
