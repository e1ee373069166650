//! `#[dynamo(...)]` syntax -> typed settings. Errors are collected, not returned, so that every
//! mistake in a model is reported in one compile.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Token};

/// Collects every error of one derive, each on its own span.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, message));
    }

    pub fn spanned(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new_spanned(tokens, message));
    }

    /// All errors as one, or `None` when there were none.
    pub fn finish(self) -> Option<syn::Error> {
        self.0.into_iter().reduce(|mut all, e| {
            all.combine(e);
            all
        })
    }
}

/// The settings on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    pub table: Option<LitStr>,
    /// `table` was written, even if its value was wrong (already reported).
    pub table_given: bool,
    /// `timestamps` or `timestamps = "format"`.
    pub timestamps: Option<(Span, Option<LitStr>)>,
    pub indexes: Vec<IndexAttr>,
    /// `validate = path`: a struct-level rule.
    pub validate: Option<syn::Path>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Global,
    Local,
}

pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<LitStr>),
}

/// One `gsi(..)` or `lsi(..)`.
pub struct IndexAttr {
    pub kind: IndexKind,
    /// The `gsi`/`lsi` keyword, for errors about the whole index.
    pub span: Span,
    pub name: Option<LitStr>,
    pub hash: Option<LitStr>,
    pub range: Option<LitStr>,
    pub projection: Projection,
}

/// The settings on one field. Flags keep their span so errors can point at them.
#[derive(Default)]
pub struct FieldAttrs {
    pub hash_key: Option<Span>,
    pub range_key: Option<Span>,
    pub rename: Option<LitStr>,
    pub skip: Option<Span>,
    pub serde: Option<Span>,
    pub version: Option<Span>,
    pub ttl: Option<Span>,
    pub created_at: Option<(Span, Option<LitStr>)>,
    pub updated_at: Option<(Span, Option<LitStr>)>,
    /// `default = <expr>`: the value when the attribute is missing on read.
    pub default: Option<Expr>,
    /// `default_fn = path`: a function giving that value.
    pub default_fn: Option<syn::Path>,
    /// `alias = "old_name"`: also read the attribute under this name.
    pub aliases: Vec<LitStr>,
    /// `validate(..)`: the field's rules, in the order written.
    pub rules: Vec<Rule>,
    /// `set = path`: transform on every write.
    pub set: Option<syn::Path>,
    /// `get = path`: transform on every read of a stored value.
    pub get: Option<syn::Path>,
    /// `constant = literal`: the value every item holds.
    pub constant: Option<syn::Lit>,
    /// `flatten`: the field keeps the attributes the model does not name.
    pub flatten: Option<Span>,
    /// `force_default`: every whole-item write stores the default, whatever the field holds.
    pub force_default: Option<Span>,
}

/// One rule in `validate(..)`.
pub enum Rule {
    Range {
        span: Span,
        min: Option<Expr>,
        max: Option<Expr>,
    },
    Length {
        span: Span,
        min: Option<Expr>,
        max: Option<Expr>,
    },
    NonEmpty(Span),
    Regex(LitStr),
    Email(Span),
    OneOf {
        span: Span,
        values: Vec<Expr>,
    },
    Custom(syn::Path),
}

impl Rule {
    pub fn span(&self) -> Span {
        match self {
            Rule::Range { span, .. }
            | Rule::Length { span, .. }
            | Rule::NonEmpty(span)
            | Rule::Email(span)
            | Rule::OneOf { span, .. } => *span,
            Rule::Regex(pattern) => pattern.span(),
            Rule::Custom(path) => syn::spanned::Spanned::span(path),
        }
    }
}

const CONTAINER_OPTIONS: &str = "`table`, `gsi`, `lsi`, `timestamps`, `validate`";
const FIELD_OPTIONS: &str = "`hash_key`, `range_key`, `rename`, `skip`, `serde`, `version`, `ttl`, `created_at`, `updated_at`, `default`, `default_fn`, `force_default`, `alias`, `validate`, `set`, `get`, `constant`, `flatten`";
const RULES: &str = "`range(min = .., max = ..)`, `length(min = .., max = ..)`, `non_empty`, `regex = \"..\"`, `email`, `one_of(..)`, `custom = path`";
const INDEX_OPTIONS: &str = "`name`, `hash`, `range`, `projection`";

pub fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in dynamo_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                out.table_given = true;
                if let Some(table) = string_value(&meta, errors)? {
                    set_once(&mut out.table, table, &meta, errors);
                }
            } else if meta.path.is_ident("timestamps") {
                let span = meta.path.segments[0].ident.span();
                out.timestamps = Some((span, optional_string(&meta, errors)?));
            } else if meta.path.is_ident("gsi") {
                out.indexes.extend(index(&meta, IndexKind::Global, errors)?);
            } else if meta.path.is_ident("lsi") {
                out.indexes.extend(index(&meta, IndexKind::Local, errors)?);
            } else if meta.path.is_ident("validate") {
                if meta.input.peek(syn::token::Paren) {
                    errors.spanned(
                        &meta.path,
                        "on a struct, `validate` names a function: `#[dynamo(validate = check_dates)]`; rules go on fields",
                    );
                    skip_value(&meta)?;
                } else {
                    let path: syn::Path = meta.value()?.parse()?;
                    set_once(&mut out.validate, path, &meta, errors);
                }
            } else {
                unknown(&meta, CONTAINER_OPTIONS, "struct", errors)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

pub fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in dynamo_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.segments[0].ident.span();
            if meta.path.is_ident("hash_key") {
                flag(&mut out.hash_key, span, &meta, errors)?;
            } else if meta.path.is_ident("range_key") {
                flag(&mut out.range_key, span, &meta, errors)?;
            } else if meta.path.is_ident("skip") {
                flag(&mut out.skip, span, &meta, errors)?;
            } else if meta.path.is_ident("serde") {
                flag(&mut out.serde, span, &meta, errors)?;
            } else if meta.path.is_ident("version") {
                flag(&mut out.version, span, &meta, errors)?;
            } else if meta.path.is_ident("ttl") {
                flag(&mut out.ttl, span, &meta, errors)?;
            } else if meta.path.is_ident("default") {
                let expr: Expr = meta.value()?.parse()?;
                set_once(&mut out.default, expr, &meta, errors);
            } else if meta.path.is_ident("default_fn") {
                let path: syn::Path = meta.value()?.parse()?;
                set_once(&mut out.default_fn, path, &meta, errors);
            } else if meta.path.is_ident("alias") {
                if let Some(alias) = string_value(&meta, errors)? {
                    out.aliases.push(alias);
                }
            } else if meta.path.is_ident("validate") {
                rules(&meta, &mut out.rules, errors)?;
            } else if meta.path.is_ident("set") {
                let path: syn::Path = meta.value()?.parse()?;
                set_once(&mut out.set, path, &meta, errors);
            } else if meta.path.is_ident("get") {
                let path: syn::Path = meta.value()?.parse()?;
                set_once(&mut out.get, path, &meta, errors);
            } else if meta.path.is_ident("constant") {
                let lit: syn::Lit = meta.value()?.parse()?;
                set_once(&mut out.constant, lit, &meta, errors);
            } else if meta.path.is_ident("flatten") {
                flag(&mut out.flatten, span, &meta, errors)?;
            } else if meta.path.is_ident("force_default") {
                flag(&mut out.force_default, span, &meta, errors)?;
            } else if meta.path.is_ident("created_at") {
                out.created_at = Some((span, optional_string(&meta, errors)?));
            } else if meta.path.is_ident("updated_at") {
                out.updated_at = Some((span, optional_string(&meta, errors)?));
            } else if meta.path.is_ident("rename") {
                if let Some(name) = string_value(&meta, errors)? {
                    set_once(&mut out.rename, name, &meta, errors);
                }
            } else {
                unknown(&meta, FIELD_OPTIONS, "field", errors)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

/// `validate(range(min = 0), email, ..)`.
fn rules(meta: &ParseNestedMeta, out: &mut Vec<Rule>, errors: &mut Errors) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            format!("`validate` takes rules: `validate(email, length(max = 280))`; the rules are {RULES}"),
        );
        return skip_value(meta);
    }
    meta.parse_nested_meta(|rule| {
        let span = rule.path.segments[0].ident.span();
        if rule.path.is_ident("range") || rule.path.is_ident("length") {
            let (min, max) = bounds(&rule, errors)?;
            out.push(if rule.path.is_ident("range") {
                Rule::Range { span, min, max }
            } else {
                Rule::Length { span, min, max }
            });
        } else if rule.path.is_ident("non_empty") {
            let mut slot = None;
            flag(&mut slot, span, &rule, errors)?;
            out.push(Rule::NonEmpty(span));
        } else if rule.path.is_ident("email") {
            let mut slot = None;
            flag(&mut slot, span, &rule, errors)?;
            out.push(Rule::Email(span));
        } else if rule.path.is_ident("regex") {
            if let Some(pattern) = string_value(&rule, errors)? {
                out.push(Rule::Regex(pattern));
            }
        } else if rule.path.is_ident("custom") {
            let path: syn::Path = rule.value()?.parse()?;
            out.push(Rule::Custom(path));
        } else if rule.path.is_ident("one_of") {
            if !rule.input.peek(syn::token::Paren) {
                errors.at(
                    span,
                    "`one_of` lists its values: `one_of(\"red\", \"green\")`",
                );
                return skip_value(&rule);
            }
            let content;
            syn::parenthesized!(content in rule.input);
            let values = content.parse_terminated(Expr::parse, Token![,])?;
            out.push(Rule::OneOf {
                span,
                values: values.into_iter().collect(),
            });
        } else {
            unknown(&rule, RULES, "validation", errors)?;
        }
        Ok(())
    })
}

/// `(min = a, max = b)`, either optional.
fn bounds(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<(Option<Expr>, Option<Expr>)> {
    let name = meta.path.segments[0].ident.to_string();
    let (mut min, mut max) = (None, None);
    if !meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            format!("`{name}` takes bounds: `{name}(min = 1, max = 10)` (either may be left out)"),
        );
        skip_value(meta)?;
        return Ok((None, None));
    }
    let empty = {
        let fork = meta.input.fork();
        let content;
        syn::parenthesized!(content in fork);
        content.is_empty()
    };
    if empty {
        errors.spanned(
            &meta.path,
            format!("`{name}` needs `min`, `max` or both: `{name}(min = 1, max = 10)`"),
        );
        skip_value(meta)?;
        return Ok((None, None));
    }
    meta.parse_nested_meta(|bound| {
        if bound.path.is_ident("min") {
            let expr: Expr = bound.value()?.parse()?;
            set_once(&mut min, expr, &bound, errors);
        } else if bound.path.is_ident("max") {
            let expr: Expr = bound.value()?.parse()?;
            set_once(&mut max, expr, &bound, errors);
        } else {
            unknown(&bound, "`min`, `max`", &name, errors)?;
        }
        Ok(())
    })?;
    if min.is_none() && max.is_none() {
        errors.spanned(
            &meta.path,
            format!("`{name}` needs `min`, `max` or both: `{name}(min = 1, max = 10)`"),
        );
    }
    Ok((min, max))
}

fn dynamo_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("dynamo"))
}

/// One index; `None` when it has no settings at all (reported once, not once per setting).
fn index(
    meta: &ParseNestedMeta,
    kind: IndexKind,
    errors: &mut Errors,
) -> syn::Result<Option<IndexAttr>> {
    let mut index = IndexAttr {
        kind,
        span: meta.path.segments[0].ident.span(),
        name: None,
        hash: None,
        range: None,
        projection: Projection::All,
    };
    if !meta.input.peek(syn::token::Paren) {
        errors.at(
            index.span,
            "an index needs its settings: `gsi(name = \"by_email\", hash = \"email\")`",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("name") {
            if let Some(name) = string_value(&inner, errors)? {
                set_once(&mut index.name, name, &inner, errors);
            }
        } else if inner.path.is_ident("hash") {
            if let Some(hash) = string_value(&inner, errors)? {
                set_once(&mut index.hash, hash, &inner, errors);
            }
        } else if inner.path.is_ident("range") {
            if let Some(range) = string_value(&inner, errors)? {
                set_once(&mut index.range, range, &inner, errors);
            }
        } else if inner.path.is_ident("projection") {
            index.projection = projection(&inner, errors)?;
        } else {
            unknown(&inner, INDEX_OPTIONS, "index", errors)?;
        }
        Ok(())
    })?;
    Ok(Some(index))
}

/// `projection = "all" | "keys_only"` or `projection(include("a", "b"))`.
fn projection(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Projection> {
    if meta.input.peek(syn::token::Paren) {
        let mut projection = Projection::All;
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("include") {
                let content;
                syn::parenthesized!(content in inner.input);
                let names = content.parse_terminated(|input| input.parse::<LitStr>(), Token![,])?;
                projection = Projection::Include(names.into_iter().collect());
            } else {
                unknown(&inner, "`include`", "projection", errors)?;
            }
            Ok(())
        })?;
        return Ok(projection);
    }
    let Some(value) = string_value(meta, errors)? else {
        return Ok(Projection::All);
    };
    match value.value().as_str() {
        "all" => Ok(Projection::All),
        "keys_only" => Ok(Projection::KeysOnly),
        _ => {
            errors.spanned(
                &value,
                "unknown projection: expected \"all\", \"keys_only\" or `projection(include(\"attr\", ..))`",
            );
            Ok(Projection::All)
        }
    }
}

/// `key = "string"`; a value of another kind is an error on that value, and parsing goes on.
fn string_value(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let name = meta.path.segments[0].ident.to_string();
    if !meta.input.peek(Token![=]) {
        errors.spanned(
            &meta.path,
            format!("`{name}` needs a string value: `{name} = \"...\"`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            errors.spanned(
                other,
                format!("`{name}` takes a string literal: `{name} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

/// `name` alone or `name = "value"`.
fn optional_string(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        string_value(meta, errors)
    } else {
        Ok(None)
    }
}

/// A flag like `hash_key`: takes no value, may appear once.
fn flag(
    slot: &mut Option<Span>,
    span: Span,
    meta: &ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<()> {
    let name = meta.path.segments[0].ident.to_string();
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.at(
            span,
            format!("`{name}` takes no value: write `#[dynamo({name})]`"),
        );
        skip_value(meta)?;
    }
    if slot.is_some() {
        errors.at(span, format!("`{name}` is given twice"));
    }
    *slot = Some(span);
    Ok(())
}

fn set_once<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta, errors: &mut Errors) {
    if slot.is_some() {
        let name = meta.path.segments[0].ident.to_string();
        errors.spanned(&meta.path, format!("`{name}` is given twice"));
    }
    *slot = Some(value);
}

fn unknown(
    meta: &ParseNestedMeta,
    expected: &str,
    place: &str,
    errors: &mut Errors,
) -> syn::Result<()> {
    let name = meta
        .path
        .get_ident()
        .map_or_else(|| "this".to_owned(), |i| format!("`{i}`"));
    errors.spanned(
        &meta.path,
        format!("unknown dynamo {place} option {name}; expected one of {expected}"),
    );
    skip_value(meta)
}

/// Consumes `= value` or `(...)` after an option we reported, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        // Consumed, or syn reports the unparsed rest as an error of its own.
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}
