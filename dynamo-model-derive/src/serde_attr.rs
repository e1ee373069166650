//! What `#[serde(..)]` says about names, skipped and defaulted fields: the JSON Schema impl
//! (`expand::json_schema`) describes the JSON serde reads and writes. serde's own derive
//! reports mistakes in these attributes, so anything not understood here is passed over.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use crate::attr::RenameRule;

/// A name for reading and one for writing (`rename = ".."` sets both).
#[derive(Default, Clone)]
pub struct Names {
    pub read: Option<String>,
    pub written: Option<String>,
}

#[derive(Default)]
pub struct Container {
    pub rename_all: (Option<Style>, Option<Style>),
    pub default: bool,
    pub deny_unknown_fields: bool,
}

#[derive(Default)]
pub struct Field {
    pub rename: Names,
    pub not_read: bool,
    pub not_written: bool,
    pub default: bool,
    pub written_if: bool,
    /// `flatten`: its properties are not described (the object is left open to them).
    pub flatten: Option<Span>,
}

pub fn container(attrs: &[Attribute]) -> Container {
    let mut out = Container::default();
    each(attrs, |meta| {
        if meta.path.is_ident("rename_all") {
            let names = names(meta)?;
            out.rename_all = (
                names.read.as_deref().and_then(Style::named),
                names.written.as_deref().and_then(Style::named),
            );
        } else if meta.path.is_ident("default") {
            out.default = true;
            skip_value(meta)?;
        } else if meta.path.is_ident("deny_unknown_fields") {
            out.deny_unknown_fields = true;
        } else {
            skip_value(meta)?;
        }
        Ok(())
    });
    out
}

pub fn field(attrs: &[Attribute]) -> Field {
    let mut out = Field::default();
    each(attrs, |meta| {
        let path = &meta.path;
        if path.is_ident("rename") {
            out.rename = names(meta)?;
        } else if path.is_ident("skip") {
            (out.not_read, out.not_written) = (true, true);
        } else if path.is_ident("skip_deserializing") {
            out.not_read = true;
        } else if path.is_ident("skip_serializing") {
            out.not_written = true;
        } else if path.is_ident("skip_serializing_if") {
            out.written_if = true;
            skip_value(meta)?;
        } else if path.is_ident("default") {
            out.default = true;
            skip_value(meta)?;
        } else if path.is_ident("flatten") {
            out.flatten = Some(syn::spanned::Spanned::span(path));
        } else {
            skip_value(meta)?;
        }
        Ok(())
    });
    out
}

/// A variant's `rename`.
pub fn variant(attrs: &[Attribute]) -> Names {
    let mut out = Names::default();
    each(attrs, |meta| {
        if meta.path.is_ident("rename") {
            out = names(meta)?;
        } else {
            skip_value(meta)?;
        }
        Ok(())
    });
    out
}

fn each(attrs: &[Attribute], mut f: impl FnMut(&ParseNestedMeta) -> syn::Result<()>) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // serde's derive reports a malformed attribute; here it only ends the reading.
        let _ = attr.parse_nested_meta(|meta| f(&meta));
    }
}

/// `key = "name"` or `key(serialize = "a", deserialize = "b")`.
fn names(meta: &ParseNestedMeta) -> syn::Result<Names> {
    if meta.input.peek(syn::Token![=]) {
        let name = meta.value()?.parse::<LitStr>()?.value();
        return Ok(Names {
            read: Some(name.clone()),
            written: Some(name),
        });
    }
    let mut out = Names::default();
    meta.parse_nested_meta(|inner| {
        let name = inner.value()?.parse::<LitStr>()?.value();
        if inner.path.is_ident("deserialize") {
            out.read = Some(name);
        } else if inner.path.is_ident("serialize") {
            out.written = Some(name);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Passes over an option's `= value` or `(..)`.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// serde's `rename_all` styles.
#[derive(Clone, Copy)]
pub enum Style {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl Style {
    fn named(name: &str) -> Option<Style> {
        Some(match name {
            "lowercase" => Style::Lower,
            "UPPERCASE" => Style::Upper,
            "PascalCase" => Style::Pascal,
            "camelCase" => Style::Camel,
            "snake_case" => Style::Snake,
            "SCREAMING_SNAKE_CASE" => Style::ScreamingSnake,
            "kebab-case" => Style::Kebab,
            "SCREAMING-KEBAB-CASE" => Style::ScreamingKebab,
            _ => return None,
        })
    }

    /// A field's name (snake_case in Rust) in this style, as serde writes it.
    pub fn field(self, name: &str) -> String {
        let pascal = || -> String {
            name.split('_')
                .map(|word| {
                    let mut chars = word.chars();
                    chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                        .unwrap_or_default()
                })
                .collect()
        };
        match self {
            Style::Lower | Style::Snake => name.to_owned(),
            Style::Upper | Style::ScreamingSnake => name.to_ascii_uppercase(),
            Style::Pascal => pascal(),
            Style::Camel => {
                let pascal = pascal();
                let mut chars = pascal.chars();
                chars
                    .next()
                    .map(|c| c.to_lowercase().chain(chars).collect())
                    .unwrap_or_default()
            }
            Style::Kebab => name.replace('_', "-"),
            Style::ScreamingKebab => name.replace('_', "-").to_ascii_uppercase(),
        }
    }

    /// A variant's name (PascalCase in Rust) in this style, as serde writes it: the styles of
    /// `#[dynamo(rename_all)]`, which splits a variant's name as serde does, and its kebab case
    /// in capitals.
    pub fn variant(self, name: &str) -> String {
        let rule = match self {
            Style::Lower => RenameRule::Lower,
            Style::Upper => RenameRule::Upper,
            Style::Pascal => RenameRule::Pascal,
            Style::Camel => RenameRule::Camel,
            Style::Snake => RenameRule::Snake,
            Style::ScreamingSnake => RenameRule::ScreamingSnake,
            Style::Kebab => RenameRule::Kebab,
            Style::ScreamingKebab => return RenameRule::Kebab.apply(name).to_uppercase(),
        };
        rule.apply(name)
    }
}

/// The doc comment, its lines joined: a schema's `description`.
pub fn doc(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value().trim().to_owned()),
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::Style;

    #[test]
    fn styles_as_serde_writes_them() {
        let cases = [
            (
                Style::Lower,
                "created_at",
                "created_at",
                "InProgress",
                "inprogress",
            ),
            (
                Style::Upper,
                "created_at",
                "CREATED_AT",
                "InProgress",
                "INPROGRESS",
            ),
            (
                Style::Pascal,
                "created_at",
                "CreatedAt",
                "InProgress",
                "InProgress",
            ),
            (
                Style::Camel,
                "created_at",
                "createdAt",
                "InProgress",
                "inProgress",
            ),
            (
                Style::Snake,
                "created_at",
                "created_at",
                "InProgress",
                "in_progress",
            ),
            (
                Style::ScreamingSnake,
                "created_at",
                "CREATED_AT",
                "InProgress",
                "IN_PROGRESS",
            ),
            (
                Style::Kebab,
                "created_at",
                "created-at",
                "InProgress",
                "in-progress",
            ),
            (
                Style::ScreamingKebab,
                "created_at",
                "CREATED-AT",
                "InProgress",
                "IN-PROGRESS",
            ),
        ];
        for (style, field, field_out, variant, variant_out) in cases {
            assert_eq!(style.field(field), field_out);
            assert_eq!(style.variant(variant), variant_out);
        }
    }
}
