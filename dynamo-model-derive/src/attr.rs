//! `#[dynamo(...)]` syntax -> typed settings. Errors are collected, not returned, so that every
//! mistake in a model is reported in one compile.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Token};

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

/// The table of a model: a name, or a `&'static str` constant holding it (checked when the
/// constant is evaluated, at compile time).
pub enum TableName {
    Literal(LitStr),
    Const(syn::Path),
}

impl TableName {
    pub fn span(&self) -> Span {
        match self {
            TableName::Literal(name) => name.span(),
            TableName::Const(path) => syn::spanned::Spanned::span(path),
        }
    }
}

/// The settings on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    pub table: Option<TableName>,
    /// `table` was written, even if its value was wrong (already reported).
    pub table_given: bool,
    /// `timestamps` or `timestamps = "format"`.
    pub timestamps: Option<(Span, Option<LitStr>)>,
    pub indexes: Vec<IndexAttr>,
    /// `validate = path`: a struct-level rule.
    pub validate: Option<syn::Path>,
    /// `hash_key = "..."` on the struct: a key template, or the name of a `compose`d attribute.
    pub hash_key: Option<LitStr>,
    /// `range_key = "..."` on the struct, likewise.
    pub range_key: Option<LitStr>,
    /// `compose(name = "template", ..)`: attributes composed from fields.
    pub compose: Vec<(Ident, LitStr)>,
    /// `constant(name = "value", ..)`: type attributes the derive writes, with no field (each
    /// is also in `compose`, as a template of text alone).
    pub constants: Vec<(Ident, LitStr)>,
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

/// Declares an enum of option names, each name written once: parsers match on the enum, checks
/// list its variants (a misspelt option is a compile error), help texts are generated from it.
macro_rules! named {
    ($(#[$doc:meta])* $vis:vis enum $enum:ident { $($variant:ident = $name:literal $(shown $shown:literal)?,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        $vis enum $enum { $($variant,)* }

        impl $enum {
            /// Every variant, in the order help texts list them.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The name as written in `#[dynamo(..)]`.
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name,)* }
            }

            /// How help texts show it: the name, or its syntax where it takes arguments.
            #[allow(dead_code)]
            pub fn shown(self) -> &'static str {
                match self { $($enum::$variant => named!(@shown $name $($shown)?),)* }
            }

            pub fn named(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|option| option.name() == name)
            }

            /// The option a nested meta's path names.
            #[allow(dead_code)]
            pub fn of(path: &syn::Path) -> Option<Self> {
                Self::named(&path.get_ident()?.to_string())
            }

            /// "`a`, `b`, `c`": every option, for an unknown-option error.
            #[allow(dead_code)]
            pub fn help() -> String {
                Self::ALL
                    .iter()
                    .map(|option| format!("`{}`", option.shown()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl Named for $enum {
            fn of(path: &syn::Path) -> Option<Self> {
                $enum::of(path)
            }

            fn help() -> String {
                $enum::help()
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
    (@shown $name:literal) => { $name };
    (@shown $name:literal $shown:literal) => { $shown };
}

/// An enum declared by `named!`, for [`each_option`].
pub trait Named: Sized {
    fn of(path: &syn::Path) -> Option<Self>;
    fn help() -> String;
}

named! {
    /// The options of `#[dynamo(..)]` on a struct.
    pub enum ContainerOption {
        Table = "table",
        Gsi = "gsi",
        Lsi = "lsi",
        Timestamps = "timestamps",
        Validate = "validate",
        HashKey = "hash_key",
        RangeKey = "range_key",
        Compose = "compose",
        Constant = "constant",
    }
}

named! {
    /// The options of `#[dynamo(..)]` on a field.
    pub enum FieldOption {
        HashKey = "hash_key",
        RangeKey = "range_key",
        Rename = "rename",
        Skip = "skip",
        Serde = "serde",
        Version = "version",
        Ttl = "ttl",
        CreatedAt = "created_at",
        UpdatedAt = "updated_at",
        Default = "default",
        DefaultFn = "default_fn",
        ForceDefault = "force_default",
        Alias = "alias",
        Validate = "validate",
        Set = "set",
        Get = "get",
        Constant = "constant",
        Flatten = "flatten",
    }
}

named! {
    /// The rules of `validate(..)` on a field.
    pub enum RuleOption {
        Range = "range" shown "range(min = .., max = ..)",
        Length = "length" shown "length(min = .., max = ..)",
        NonEmpty = "non_empty",
        Regex = "regex" shown "regex = \"..\"",
        Email = "email",
        OneOf = "one_of" shown "one_of(..)",
        Custom = "custom" shown "custom = path",
    }
}

named! {
    /// The settings of one `gsi(..)` or `lsi(..)`.
    pub enum IndexOption {
        Name = "name",
        Hash = "hash",
        Range = "range",
        Projection = "projection",
    }
}

named! {
    /// The bounds of `range(..)` and `length(..)`.
    pub enum BoundOption {
        Min = "min",
        Max = "max",
    }
}

named! {
    /// The options of `#[dynamo(..)]` on an enum of unit variants.
    pub enum EnumOption {
        RenameAll = "rename_all",
        NoTextImpls = "no_text_impls",
    }
}

named! {
    /// The options of `#[dynamo(..)]` on a variant.
    pub enum VariantOption {
        Rename = "rename",
    }
}

named! {
    /// `rename_all` styles: how a variant's name is stored.
    pub enum RenameRule {
        Lower = "lowercase",
        Upper = "UPPERCASE",
        Snake = "snake_case",
        ScreamingSnake = "SCREAMING_SNAKE_CASE",
        Kebab = "kebab-case",
        Camel = "camelCase",
        Pascal = "PascalCase",
    }
}

named! {
    /// How a timestamp is stored.
    pub enum TimeFormat {
        Rfc3339 = "rfc3339",
        EpochSeconds = "epoch_seconds",
        EpochMillis = "epoch_millis",
    }
}

impl RenameRule {
    /// `InProgress` in this style: `in_progress`, `IN_PROGRESS`, `in-progress`, `inProgress`, …
    pub fn apply(self, ident: &str) -> String {
        let mut words: Vec<String> = Vec::new();
        for c in ident.chars() {
            if c.is_uppercase() || words.is_empty() {
                words.push(String::new());
            }
            words.last_mut().expect("pushed above").push(c);
        }
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let capitalized = |w: &String| -> String {
            let mut chars = w.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        };
        match self {
            RenameRule::Lower => lower.concat(),
            RenameRule::Upper => lower.concat().to_uppercase(),
            RenameRule::Snake => lower.join("_"),
            RenameRule::ScreamingSnake => lower.join("_").to_uppercase(),
            RenameRule::Kebab => lower.join("-"),
            RenameRule::Camel => lower
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.clone() } else { capitalized(w) })
                .collect(),
            RenameRule::Pascal => lower.iter().map(capitalized).collect(),
        }
    }
}

impl FieldAttrs {
    /// Whether the field has `option`: every option answers here, so conflict lists can name
    /// any of them.
    pub fn has(&self, option: FieldOption) -> bool {
        match option {
            FieldOption::HashKey => self.hash_key.is_some(),
            FieldOption::RangeKey => self.range_key.is_some(),
            FieldOption::Rename => self.rename.is_some(),
            FieldOption::Skip => self.skip.is_some(),
            FieldOption::Serde => self.serde.is_some(),
            FieldOption::Version => self.version.is_some(),
            FieldOption::Ttl => self.ttl.is_some(),
            FieldOption::CreatedAt => self.created_at.is_some(),
            FieldOption::UpdatedAt => self.updated_at.is_some(),
            FieldOption::Default => self.default.is_some(),
            FieldOption::DefaultFn => self.default_fn.is_some(),
            FieldOption::ForceDefault => self.force_default.is_some(),
            FieldOption::Alias => !self.aliases.is_empty(),
            FieldOption::Validate => !self.rules.is_empty(),
            FieldOption::Set => self.set.is_some(),
            FieldOption::Get => self.get.is_some(),
            FieldOption::Constant => self.constant.is_some(),
            FieldOption::Flatten => self.flatten.is_some(),
        }
    }

    /// Those of `with` the field has, in the order given.
    pub fn conflicts(&self, with: &[FieldOption]) -> Vec<FieldOption> {
        with.iter().copied().filter(|o| self.has(*o)).collect()
    }

    /// A key attribute: the hash or the range key.
    pub fn is_key(&self) -> bool {
        self.hash_key.is_some() || self.range_key.is_some()
    }

    /// `default` or `default_fn`.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.default_fn.is_some()
    }
}

pub fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    each_option(
        attrs,
        "struct",
        errors,
        |option: ContainerOption, meta, errors| {
            match option {
                ContainerOption::Table => {
                    out.table_given = true;
                    if let Some(table) = table_value(meta, errors)? {
                        set_once(&mut out.table, table, meta, errors);
                    }
                }
                ContainerOption::Timestamps => {
                    let span = meta.path.segments[0].ident.span();
                    out.timestamps = Some((span, optional_string(meta, errors)?));
                }
                ContainerOption::Gsi => {
                    out.indexes.extend(index(meta, IndexKind::Global, errors)?);
                }
                ContainerOption::Lsi => {
                    out.indexes.extend(index(meta, IndexKind::Local, errors)?);
                }
                ContainerOption::HashKey => {
                    if let Some(value) = string_value(meta, errors)? {
                        set_once(&mut out.hash_key, value, meta, errors);
                    }
                }
                ContainerOption::RangeKey => {
                    if let Some(value) = string_value(meta, errors)? {
                        set_once(&mut out.range_key, value, meta, errors);
                    }
                }
                ContainerOption::Constant => {
                    let listed = named_texts(
                        meta,
                        errors,
                        "on a struct, `constant` lists type attributes and their values: `constant(kind = \"Order\")`",
                        "an attribute name: `constant(kind = \"Order\")`",
                    )?;
                    for (name, value) in listed {
                        if value.value().contains(['{', '}']) {
                            errors.spanned(
                                &value,
                                "a constant is text as written, without `{..}` parts; a value composed from fields is `compose(..)`",
                            );
                        } else {
                            out.compose.push((name.clone(), value.clone()));
                            out.constants.push((name, value));
                        }
                    }
                }
                ContainerOption::Compose => {
                    let listed = named_texts(
                        meta,
                        errors,
                        "`compose` lists attributes and their templates: `compose(gsi1pk = \"STATUS#{status}\")`",
                        "an attribute name: `compose(gsi1pk = \"..\")`",
                    )?;
                    out.compose.extend(listed);
                }
                ContainerOption::Validate => {
                    if meta.input.peek(syn::token::Paren) {
                        errors.spanned(
                        &meta.path,
                        "on a struct, `validate` names a function: `#[dynamo(validate = check_dates)]`; rules go on fields",
                    );
                        skip_value(meta)?;
                    } else {
                        let path: syn::Path = meta.value()?.parse()?;
                        set_once(&mut out.validate, path, meta, errors);
                    }
                }
            }
            Ok(())
        },
    );
    out
}

pub fn field(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    each_option(
        attrs,
        "field",
        errors,
        |option: FieldOption, meta, errors| {
            let span = meta.path.segments[0].ident.span();
            match option {
                FieldOption::HashKey => flag(&mut out.hash_key, span, meta, errors)?,
                FieldOption::RangeKey => flag(&mut out.range_key, span, meta, errors)?,
                FieldOption::Skip => flag(&mut out.skip, span, meta, errors)?,
                FieldOption::Serde => flag(&mut out.serde, span, meta, errors)?,
                FieldOption::Version => flag(&mut out.version, span, meta, errors)?,
                FieldOption::Ttl => flag(&mut out.ttl, span, meta, errors)?,
                FieldOption::Flatten => flag(&mut out.flatten, span, meta, errors)?,
                FieldOption::ForceDefault => flag(&mut out.force_default, span, meta, errors)?,
                FieldOption::Default => {
                    let expr: Expr = meta.value()?.parse()?;
                    set_once(&mut out.default, expr, meta, errors);
                }
                FieldOption::DefaultFn => {
                    let path: syn::Path = meta.value()?.parse()?;
                    set_once(&mut out.default_fn, path, meta, errors);
                }
                FieldOption::Alias => {
                    if let Some(alias) = string_value(meta, errors)? {
                        out.aliases.push(alias);
                    }
                }
                FieldOption::Validate => rules(meta, &mut out.rules, errors)?,
                FieldOption::Set => {
                    let path: syn::Path = meta.value()?.parse()?;
                    set_once(&mut out.set, path, meta, errors);
                }
                FieldOption::Get => {
                    let path: syn::Path = meta.value()?.parse()?;
                    set_once(&mut out.get, path, meta, errors);
                }
                FieldOption::Constant => {
                    let lit: syn::Lit = meta.value()?.parse()?;
                    set_once(&mut out.constant, lit, meta, errors);
                }
                FieldOption::CreatedAt => {
                    out.created_at = Some((span, optional_string(meta, errors)?));
                }
                FieldOption::UpdatedAt => {
                    out.updated_at = Some((span, optional_string(meta, errors)?));
                }
                FieldOption::Rename => {
                    if let Some(name) = string_value(meta, errors)? {
                        set_once(&mut out.rename, name, meta, errors);
                    }
                }
            }
            Ok(())
        },
    );
    out
}

/// `validate(range(min = 0), email, ..)`.
fn rules(meta: &ParseNestedMeta, out: &mut Vec<Rule>, errors: &mut Errors) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        errors.spanned(
            &meta.path,
            format!(
                "`validate` takes rules: `validate(email, length(max = 280))`; the rules are {}",
                RuleOption::help()
            ),
        );
        return skip_value(meta);
    }
    meta.parse_nested_meta(|rule| {
        let Some(option) = RuleOption::of(&rule.path) else {
            return unknown(&rule, &RuleOption::help(), "validation", errors);
        };
        let span = rule.path.segments[0].ident.span();
        match option {
            RuleOption::Range => {
                let (min, max) = bounds(&rule, errors)?;
                out.push(Rule::Range { span, min, max });
            }
            RuleOption::Length => {
                let (min, max) = bounds(&rule, errors)?;
                out.push(Rule::Length { span, min, max });
            }
            RuleOption::NonEmpty => {
                flag(&mut None, span, &rule, errors)?;
                out.push(Rule::NonEmpty(span));
            }
            RuleOption::Email => {
                flag(&mut None, span, &rule, errors)?;
                out.push(Rule::Email(span));
            }
            RuleOption::Regex => {
                if let Some(pattern) = string_value(&rule, errors)? {
                    out.push(Rule::Regex(pattern));
                }
            }
            RuleOption::Custom => {
                let path: syn::Path = rule.value()?.parse()?;
                out.push(Rule::Custom(path));
            }
            RuleOption::OneOf => {
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
            }
        }
        Ok(())
    })
}

/// The settings on an enum of unit variants.
#[derive(Default)]
pub struct EnumAttrs {
    pub rename_all: Option<RenameRule>,
    /// `no_text_impls`: no `Display`/`FromStr` (the enum has its own).
    pub no_text_impls: Option<Span>,
}

/// The settings on one variant.
#[derive(Default)]
pub struct VariantAttrs {
    pub rename: Option<LitStr>,
}

pub fn unit_enum(attrs: &[Attribute], errors: &mut Errors) -> EnumAttrs {
    let mut out = EnumAttrs::default();
    each_option(attrs, "enum", errors, |option: EnumOption, meta, errors| {
        let span = meta.path.segments[0].ident.span();
        match option {
            EnumOption::NoTextImpls => flag(&mut out.no_text_impls, span, meta, errors)?,
            EnumOption::RenameAll => {
                let Some(style) = string_value(meta, errors)? else {
                    return Ok(());
                };
                match RenameRule::named(&style.value()) {
                    Some(rule) => set_once(&mut out.rename_all, rule, meta, errors),
                    None => {
                        let styles: Vec<&str> = RenameRule::ALL.iter().map(|r| r.name()).collect();
                        errors.spanned(
                            &style,
                            format!(
                                "unknown rename_all style; expected one of {}",
                                styles.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    });
    out
}

pub fn variant(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    each_option(
        attrs,
        "variant",
        errors,
        |option: VariantOption, meta, errors| {
            match option {
                VariantOption::Rename => {
                    if let Some(name) = string_value(meta, errors)? {
                        set_once(&mut out.rename, name, meta, errors);
                    }
                }
            }
            Ok(())
        },
    );
    out
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
        let slot = match BoundOption::of(&bound.path) {
            Some(BoundOption::Min) => &mut min,
            Some(BoundOption::Max) => &mut max,
            None => return unknown(&bound, &BoundOption::help(), &name, errors),
        };
        let expr: Expr = bound.value()?.parse()?;
        set_once(slot, expr, &bound, errors);
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

/// Runs `parse` on each option of every `#[dynamo(..)]` attribute. An unknown option and a
/// syntax error are reported, and parsing goes on, so one compile shows every mistake.
fn each_option<O: Named>(
    attrs: &[Attribute],
    place: &str,
    errors: &mut Errors,
    mut parse: impl FnMut(O, &ParseNestedMeta, &mut Errors) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| match O::of(&meta.path) {
            Some(option) => parse(option, &meta, errors),
            None => unknown(&meta, &O::help(), place, errors),
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
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
        let slot = match IndexOption::of(&inner.path) {
            Some(IndexOption::Name) => &mut index.name,
            Some(IndexOption::Hash) => &mut index.hash,
            Some(IndexOption::Range) => &mut index.range,
            Some(IndexOption::Projection) => {
                index.projection = projection(&inner, errors)?;
                return Ok(());
            }
            None => return unknown(&inner, &IndexOption::help(), "index", errors),
        };
        if let Some(value) = string_value(&inner, errors)? {
            set_once(slot, value, &inner, errors);
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
    let usage = format!("`{name} = \"...\"`");
    let Some(expr) = value_expr(meta, errors, &format!("a string value: {usage}"))? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            errors.spanned(other, format!("`{name}` takes a string literal: {usage}"));
            Ok(None)
        }
    }
}

/// `table = "name"` or `table = CONSTANT`.
fn table_value(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<TableName>> {
    let usage = "`table = \"...\"` or `table = CONSTANT` (a `&'static str` constant)";
    let Some(expr) = value_expr(meta, errors, &format!("a value: {usage}"))? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(TableName::Literal(s))),
        Expr::Path(path) if path.qself.is_none() => Ok(Some(TableName::Const(path.path))),
        other => {
            errors.spanned(
                other,
                format!("`table` takes a string literal or a constant: {usage}"),
            );
            Ok(None)
        }
    }
}

/// The expression after `name =`; without `=`, reports that the option `needs` one.
fn value_expr(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
    needs: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        let name = meta.path.segments[0].ident.to_string();
        errors.spanned(&meta.path, format!("`{name}` needs {needs}"));
        skip_value(meta)?;
        return Ok(None);
    }
    Ok(Some(meta.value()?.parse()?))
}

/// `name` alone or `name = "value"`.
fn optional_string(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        string_value(meta, errors)
    } else {
        Ok(None)
    }
}

/// `option(name = "text", ..)`: each name with its text. `usage` is the error without the
/// list, `name_usage` the error for a name that is not an identifier.
fn named_texts(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
    usage: &str,
    name_usage: &str,
) -> syn::Result<Vec<(Ident, LitStr)>> {
    let mut out = Vec::new();
    if !meta.input.peek(syn::token::Paren) {
        errors.spanned(&meta.path, usage);
        skip_value(meta)?;
        return Ok(out);
    }
    meta.parse_nested_meta(|inner| {
        let Some(name) = inner.path.get_ident().cloned() else {
            errors.spanned(&inner.path, name_usage);
            return skip_value(&inner);
        };
        if let Some(text) = string_value(&inner, errors)? {
            out.push((name, text));
        }
        Ok(())
    })?;
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::{
        ContainerOption, EnumOption, FieldOption, IndexOption, RenameRule, RuleOption, TimeFormat,
        VariantOption,
    };

    /// The options guide, which the runtime's docs include (`dynamo_model::guide`).
    const GUIDE: &str = include_str!("../../dynamo-model/docs/derive.md");

    /// The text of the guide's section whose heading starts with `heading`.
    fn section(heading: &str) -> &'static str {
        let start = GUIDE
            .find(&format!("\n{heading}"))
            .unwrap_or_else(|| panic!("the guide has a section {heading:?}"));
        let body = &GUIDE[start + 1..];
        let end = body[1..].find("\n# ").map_or(body.len(), |i| i + 1);
        &body[..end]
    }

    /// The first cells of a section's table rows: where options are named.
    fn first_cells(heading: &str) -> Vec<&'static str> {
        section(heading)
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter(|row| row.starts_with('`'))
            .filter_map(|row| row.split(" | ").next())
            .collect()
    }

    /// Whether `text` names the option as code: `` `name `` or `` `#[dynamo(name ``, followed
    /// by something that ends the name.
    fn names(text: &str, name: &str) -> bool {
        ["`", "`#[dynamo("].iter().any(|before| {
            let written = format!("{before}{name}");
            text.match_indices(&written).any(|(i, m)| {
                text[i + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| !(c.is_alphanumeric() || c == '_'))
            })
        })
    }

    /// Every option the derive accepts has a row (or its place) in the guide, in the section
    /// of where it is written: an option added without its documentation fails here.
    #[test]
    fn the_options_guide_lists_every_option() {
        let mut missing = Vec::new();
        let mut expect = |found: bool, what: String| {
            if !found {
                missing.push(what);
            }
        };
        let structs = first_cells("# On the struct").join(" ");
        for option in ContainerOption::ALL {
            let name = option.name();
            expect(names(&structs, name), format!("struct option {name}"));
        }
        let fields = first_cells("# On a field").join(" ");
        for option in FieldOption::ALL {
            let name = option.name();
            expect(names(&fields, name), format!("field option {name}"));
        }
        let rules = first_cells("# Validation rules");
        for rule in RuleOption::ALL {
            let shown = rule.shown();
            let cell = format!("`{shown}`");
            expect(rules.contains(&cell.as_str()), format!("rule {shown}"));
        }
        let index = first_cells("# On the struct")
            .into_iter()
            .find(|cell| cell.starts_with("`gsi("))
            .unwrap_or("");
        for option in IndexOption::ALL {
            let name = option.name();
            expect(index.contains(name), format!("index setting {name}"));
        }
        let attributes = section("# `#[derive(Attributes)]`");
        for option in EnumOption::ALL {
            let name = option.name();
            expect(names(attributes, name), format!("enum option {name}"));
        }
        for option in VariantOption::ALL {
            let name = option.name();
            expect(names(attributes, name), format!("variant option {name}"));
        }
        for style in RenameRule::ALL {
            let name = style.name();
            expect(names(attributes, name), format!("rename_all style {name}"));
        }
        for format in TimeFormat::ALL {
            let name = format.name();
            expect(
                GUIDE.contains(&format!("\"{name}\"")),
                format!("time format {name}"),
            );
        }
        assert!(missing.is_empty(), "not in docs/derive.md: {missing:?}");
    }

    #[test]
    fn every_style() {
        let cases = [
            (RenameRule::Lower, "inprogress"),
            (RenameRule::Upper, "INPROGRESS"),
            (RenameRule::Snake, "in_progress"),
            (RenameRule::ScreamingSnake, "IN_PROGRESS"),
            (RenameRule::Kebab, "in-progress"),
            (RenameRule::Camel, "inProgress"),
            (RenameRule::Pascal, "InProgress"),
        ];
        for (rule, expected) in cases {
            assert_eq!(rule.apply("InProgress"), expected, "{rule}");
        }
        assert_eq!(RenameRule::Snake.apply("A"), "a");
    }
}
