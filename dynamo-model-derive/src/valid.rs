//! Cross-field rules, one `check_*` function each; every violation is an error on its span.

use std::collections::HashMap;

use syn::LitStr;

use crate::ast::{
    is_template, unraw, CollectionEnum, Field, Input, KeyRef, KeySlot, Template, UnitEnum,
};
use crate::attr::{Errors, FieldOption, IndexKind, TableName, TimeFormat};

pub fn check(input: &Input, errors: &mut Errors) {
    check_table(input, errors);
    check_keys(input, errors);
    check_templates(input, errors);
    check_field_options(input, errors);
    check_stored_names(input, errors);
    check_reserved_names(input, errors);
    check_indexes(input, errors);
    check_version(input, errors);
    check_ttl(input, errors);
    check_timestamps(input, errors);
}

fn check_time_format(format: &Option<LitStr>, errors: &mut Errors) {
    if let Some(format) = format {
        if TimeFormat::named(&format.value()).is_none() {
            let formats: Vec<String> = TimeFormat::ALL
                .iter()
                .map(|f| format!("{:?}", f.name()))
                .collect();
            errors.spanned(
                format,
                format!("unknown timestamp format: expected {}", or_list(&formats)),
            );
        }
    }
}

/// `timestamps` needs its two fields; each marker once, on a plain stored field.
fn check_timestamps(input: &Input, errors: &mut Errors) {
    if let Some((span, format)) = &input.attrs.timestamps {
        check_time_format(format, errors);
        for name in ["created_at", "updated_at"] {
            if input.fields.iter().all(|f| unraw(f.ident) != name) {
                errors.at(
                    *span,
                    format!("`timestamps` needs a field `{name}` of a time type (`Timestamp`, or with a feature `chrono::DateTime<Utc>` or `time::OffsetDateTime`)"),
                );
            }
        }
    }
    for role in [FieldOption::CreatedAt, FieldOption::UpdatedAt] {
        let mut first = None;
        for field in &input.fields {
            let marker = if role == FieldOption::CreatedAt {
                &field.attrs.created_at
            } else {
                &field.attrs.updated_at
            };
            let Some((span, format)) = marker else {
                continue;
            };
            check_time_format(format, errors);
            match first {
                Some(first) => errors.at(
                    *span,
                    format!("a model has one `{role}`, and `{first}` is already it"),
                ),
                None => first = Some(field.ident),
            }
            if !field.attrs.conflicts(&PLAIN_CONFLICTS).is_empty() {
                errors.at(
                    *span,
                    format!(
                        "`{role}` goes on a plain stored field, not a key, `skip` or `serde` field"
                    ),
                );
            }
        }
    }
}

/// What a managed attribute (version, TTL, timestamps) cannot be: the library writes it as a
/// plain stored value.
const PLAIN_CONFLICTS: [FieldOption; 4] = [
    FieldOption::HashKey,
    FieldOption::RangeKey,
    FieldOption::Skip,
    FieldOption::Serde,
];

/// One `ttl` field, stored, not a key, not the version.
fn check_ttl(input: &Input, errors: &mut Errors) {
    check_marker(
        input,
        errors,
        FieldOption::Ttl,
        |f| f.attrs.ttl,
        &[FieldOption::Version],
    );
}

/// One `version` field, stored, not a key, not through serde.
fn check_version(input: &Input, errors: &mut Errors) {
    check_marker(
        input,
        errors,
        FieldOption::Version,
        |f| f.attrs.version,
        &[],
    );
}

/// A field marker a model has once, on a plain stored field (not a key, `skip` or `serde`).
fn check_marker(
    input: &Input,
    errors: &mut Errors,
    marker: FieldOption,
    span_of: fn(&Field) -> Option<proc_macro2::Span>,
    more: &[FieldOption],
) {
    let with: Vec<FieldOption> = PLAIN_CONFLICTS.iter().chain(more).copied().collect();
    let mut first = None;
    for field in &input.fields {
        let Some(span) = span_of(field) else { continue };
        match first {
            Some(first) => errors.at(
                span,
                format!("a model has one {marker} attribute, and `{first}` is already it"),
            ),
            None => first = Some(field.ident),
        }
        for option in field.attrs.conflicts(&with) {
            errors.at(span, format!("`{marker}` conflicts with `{option}`"));
        }
    }
}

/// `#[derive(Attributes)]`: a nested document has fields and their options, nothing of a table.
pub fn check_attributes(input: &Input, errors: &mut Errors) {
    if let Some(table) = &input.attrs.table {
        errors.at(
            table.span(),
            "`table` applies to `#[derive(Model)]`; a nested document has no table",
        );
    }
    for index in &input.attrs.indexes {
        errors.at(
            index.span,
            "indexes apply to `#[derive(Model)]`; a nested document has none",
        );
    }
    for field in &input.fields {
        for span in [field.attrs.hash_key, field.attrs.range_key]
            .into_iter()
            .flatten()
        {
            errors.at(
                span,
                "keys apply to `#[derive(Model)]`; a nested document has none",
            );
        }
        if let Some(span) = field.attrs.version {
            errors.at(
                span,
                "`version` applies to `#[derive(Model)]`: it locks whole items",
            );
        }
    }
    check_field_options(input, errors);
    check_stored_names(input, errors);
}

/// DynamoDB's table and index names: 3 to 255 of `a-z A-Z 0-9 _ - .`.
fn check_name(name: &LitStr, what: &str, errors: &mut Errors) {
    let value = name.value();
    let valid_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !(3..=255).contains(&value.len()) || !valid_chars {
        errors.spanned(
            name,
            format!("invalid {what} name {value:?}: DynamoDB needs 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`"),
        );
    }
}

fn check_table(input: &Input, errors: &mut Errors) {
    match &input.attrs.table {
        Some(TableName::Literal(table)) => check_name(table, "table", errors),
        // A constant's value is checked where it is evaluated: `expand::model`'s assertion.
        Some(TableName::Const(_)) => {}
        None if !input.attrs.table_given => errors.at(
            input.ident.span(),
            "missing table name: add `#[dynamo(table = \"...\")]` to the struct",
        ),
        None => {}
    }
}

fn check_keys(input: &Input, errors: &mut Errors) {
    let mut hash = None;
    let mut range = None;
    for field in &input.fields {
        if let Some(span) = field.attrs.hash_key {
            match hash {
                Some(first) => errors.at(
                    span,
                    format!("a model has one hash key, and `{first}` is already it"),
                ),
                None => hash = Some(field.ident),
            }
        }
        if let Some(span) = field.attrs.range_key {
            match range {
                Some(first) => errors.at(
                    span,
                    format!("a model has at most one range key, and `{first}` is already it"),
                ),
                None => range = Some(field.ident),
            }
            if field.attrs.hash_key.is_some() {
                errors.at(
                    span,
                    "a field cannot be both the hash key and the range key",
                );
            }
        }
    }
    for (given, field, what) in [
        (&input.attrs.hash_key, hash, "hash_key"),
        (&input.attrs.range_key, range, "range_key"),
    ] {
        let Some(given) = given else { continue };
        if let Some(field) = field {
            errors.spanned(
                given,
                format!("the {what} is given twice: on the struct and on field `{field}`"),
            );
        }
    }
    if let Some(key) = &input.attrs.hash_key {
        check_key_names(input, KeySlot::TableHash, key, errors);
    }
    if let Some(key) = &input.attrs.range_key {
        check_key_names(input, KeySlot::TableRange, key, errors);
    }
    if hash.is_none() && input.attrs.hash_key.is_none() && input.named_struct {
        errors.at(
            input.ident.span(),
            "no hash key: mark the partition key field with `#[dynamo(hash_key)]`, or give a key template on the struct: `#[dynamo(hash_key = \"CUSTOMER#{id}\")]`",
        );
    }
}

/// A key given by name on the struct or an index names a field or a `compose`d attribute
/// (a template written in place is checked with the other templates).
fn check_key_names(input: &Input, slot: KeySlot, key: &LitStr, errors: &mut Errors) {
    if is_template(key) || input.resolve_key(slot, key).is_some() {
        return;
    }
    let composed: Vec<String> = input.attrs.compose.iter().map(|(n, _)| unraw(n)).collect();
    let fields: Vec<String> = input.stored_fields().map(|f| unraw(f.ident)).collect();
    errors.spanned(
        key,
        format!(
            "no field or composed attribute `{}` in `{}`; its fields are: {}{}",
            key.value(),
            input.ident,
            fields.join(", "),
            if composed.is_empty() {
                String::new()
            } else {
                format!("; its composed attributes: {}", composed.join(", "))
            }
        ),
    );
}

/// Key templates: each parses, names stored fields of a type a key can hold, separates its
/// parts by text, and is stored under a name no field or other template takes.
fn check_templates(input: &Input, errors: &mut Errors) {
    let named = input
        .attrs
        .compose
        .iter()
        .map(|(name, lit)| (unraw(name), lit))
        .chain(
            input
                .template_keys()
                .into_iter()
                .map(|(slot, lit)| (slot.template_name(), lit)),
        );
    let mut names: HashMap<String, ()> = HashMap::new();
    for (name, lit) in named {
        let template = match Template::parse(name.clone(), lit) {
            Ok(template) => template,
            Err(message) => {
                errors.spanned(lit, message);
                continue;
            }
        };
        if names.insert(name.clone(), ()).is_some() {
            errors.spanned(
                lit,
                format!("two templates are stored as `{name}`; name one with `compose({name}2 = \"..\")`"),
            );
        }
        let handle = handle_name(&name);
        let clash = input
            .stored_fields()
            .map(|f| (handle_name(&unraw(f.ident)), format!("field `{}`", f.ident)))
            .chain(input.attrs.indexes.iter().filter_map(|index| {
                let index = index.name.as_ref()?.value();
                Some((handle_name(&index), format!("index `{index}`")))
            }))
            .find(|(other, _)| *other == handle);
        let stored = input.stored_fields().any(|f| f.stored_name() == name);
        if let (Some((_, owner)), false) = (clash, stored) {
            errors.spanned(
                lit,
                format!("the handle `{handle}` of the template's attribute `{name}` would clash with the handle of {owner}; name the attribute otherwise"),
            );
        }
        if let Some(field) = input.stored_fields().find(|f| f.stored_name() == name) {
            errors.spanned(
                lit,
                format!(
                    "the template's attribute `{name}` is already stored by field `{}`",
                    field.ident
                ),
            );
        }
        if template.parts.len() > 4 {
            errors.spanned(lit, "a key template has at most 4 parts");
        }
        for (i, text) in template.texts.iter().enumerate() {
            if i > 0 && i < template.parts.len() && text.is_empty() {
                errors.spanned(
                    lit,
                    format!(
                        "parts `{}` and `{}` need text between them (a separator such as `#`), or the key could be read two ways",
                        template.parts[i - 1], template.parts[i]
                    ),
                );
            }
        }
        for part in &template.parts {
            let Some(field) = input.field_named(part) else {
                let fields: Vec<String> = input.stored_fields().map(|f| unraw(f.ident)).collect();
                errors.spanned(
                    lit,
                    format!(
                        "no field `{part}` in `{}`; its fields are: {}",
                        input.ident,
                        fields.join(", ")
                    ),
                );
                continue;
            };
            let managed = [
                FieldOption::Skip,
                FieldOption::Serde,
                FieldOption::Flatten,
                FieldOption::Version,
                FieldOption::CreatedAt,
                FieldOption::UpdatedAt,
                FieldOption::Ttl,
            ];
            for option in field.attrs.conflicts(&managed) {
                errors.spanned(
                    lit,
                    format!("field `{part}` is `{option}`, so it cannot be part of a key template"),
                );
            }
        }
    }
}

fn check_field_options(input: &Input, errors: &mut Errors) {
    for field in &input.fields {
        let attrs = &field.attrs;
        if let Some(skip) = attrs.skip {
            let with = [
                FieldOption::HashKey,
                FieldOption::RangeKey,
                FieldOption::Rename,
                FieldOption::Serde,
            ];
            for option in attrs.conflicts(&with) {
                errors.at(
                    skip,
                    format!("`skip` conflicts with `{option}`: a skipped field is never stored"),
                );
            }
        }
        if let Some(serde) = attrs.serde {
            if attrs.is_key() {
                errors.at(
                    serde,
                    "a key attribute cannot use `serde`: keys must be a string, a number or binary",
                );
            }
        }
        if let (Some(default), Some(_)) = (&attrs.default, &attrs.default_fn) {
            errors.spanned(default, "give `default` or `default_fn`, not both");
        }
        if attrs.is_key() {
            if let Some(default) = &attrs.default {
                errors.spanned(
                    default,
                    "a key attribute has no default: every item has its key",
                );
            }
            if let Some(default_fn) = &attrs.default_fn {
                errors.spanned(
                    default_fn,
                    "a key attribute has no default: every item has its key",
                );
            }
        }
        if let Some(rename) = &attrs.rename {
            if rename.value().is_empty() {
                errors.spanned(rename, "an attribute name cannot be empty");
            }
        }
        check_rules(field, errors);
        check_transforms(field, errors);
    }
    let mut flattened = None;
    for field in &input.fields {
        if let Some(span) = field.attrs.flatten {
            match flattened {
                Some(first) => errors.at(
                    span,
                    format!("a struct has one `flatten` field, and `{first}` is already it"),
                ),
                None => flattened = Some(field.ident),
            }
        }
    }
}

/// `validate(..)`: patterns compile, bounds are in order, `one_of` has values.
fn check_rules(field: &Field, errors: &mut Errors) {
    use crate::attr::Rule;
    let attrs = &field.attrs;
    if let Some(span) = attrs.rules.first().map(Rule::span) {
        for option in attrs.conflicts(&[FieldOption::Skip, FieldOption::ForceDefault]) {
            let why = if option == FieldOption::Skip {
                "a skipped field is never written, so its rules would never run"
            } else {
                "the field's value is never stored, its default is"
            };
            errors.at(span, format!("`validate` conflicts with `{option}`: {why}"));
        }
    }
    for rule in &attrs.rules {
        match rule {
            Rule::Regex(pattern) => {
                if let Err(e) = regex::Regex::new(&pattern.value()) {
                    errors.spanned(pattern, format!("this pattern does not compile: {e}"));
                }
            }
            Rule::Range { min, max, .. } | Rule::Length { min, max, .. } => {
                if let (Some(min), Some(max)) = (min, max) {
                    if let (Some(low), Some(high)) = (literal_number(min), literal_number(max)) {
                        if low > high {
                            errors.spanned(min, "`min` is above `max`: no value can pass");
                        }
                    }
                }
                if matches!(rule, Rule::Length { .. }) {
                    for bound in [min, max].into_iter().flatten() {
                        if literal_number(bound).is_some_and(|n| n < 0.0) {
                            errors.spanned(bound, "a length cannot be negative");
                        }
                    }
                }
            }
            Rule::OneOf { span, values } if values.is_empty() => {
                errors.at(*span, "`one_of` needs at least one value");
            }
            _ => {}
        }
    }
}

/// A number literal (`-3`, `1.5`), for checks the derive can make on its own.
fn literal_number(expr: &syn::Expr) -> Option<f64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            syn::Lit::Int(i) => i.base10_parse::<f64>().ok(),
            syn::Lit::Float(f) => f.base10_parse::<f64>().ok(),
            _ => None,
        },
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => literal_number(expr).map(|n| -n),
        syn::Expr::Group(group) => literal_number(&group.expr),
        _ => None,
    }
}

/// `set`, `get`, `constant`, `flatten`, `force_default`: where they can go.
fn check_transforms(field: &Field, errors: &mut Errors) {
    let attrs = &field.attrs;
    let managed = [
        FieldOption::Skip,
        FieldOption::Version,
        FieldOption::Ttl,
        FieldOption::CreatedAt,
        FieldOption::UpdatedAt,
    ];
    for (path, name) in [
        (&attrs.set, FieldOption::Set),
        (&attrs.get, FieldOption::Get),
    ] {
        if let Some(path) = path {
            for option in attrs.conflicts(&managed) {
                errors.spanned(
                    path,
                    format!("`{name}` conflicts with `{option}`: the library writes and reads that attribute itself"),
                );
            }
        }
    }
    if let Some(constant) = &attrs.constant {
        if !matches!(
            constant,
            syn::Lit::Str(_) | syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_)
        ) {
            errors.spanned(
                constant,
                "`constant` takes a string, number or bool literal, stored as S, N or BOOL",
            );
        }
        let with = [
            FieldOption::Skip,
            FieldOption::Serde,
            FieldOption::Version,
            FieldOption::Ttl,
            FieldOption::CreatedAt,
            FieldOption::UpdatedAt,
            FieldOption::Set,
            FieldOption::Get,
            FieldOption::ForceDefault,
        ];
        for option in attrs.conflicts(&with) {
            errors.spanned(
                constant,
                format!("`constant` conflicts with `{option}`: a constant attribute holds one value, as written"),
            );
        }
    }
    if let Some(span) = attrs.flatten {
        // Every other option: the field is the rest of the item, not an attribute.
        let with: Vec<FieldOption> = FieldOption::ALL
            .iter()
            .copied()
            .filter(|o| *o != FieldOption::Flatten)
            .collect();
        for option in attrs.conflicts(&with) {
            errors.at(
                span,
                format!("`flatten` conflicts with `{option}`: the field holds the attributes no other field names"),
            );
        }
    }
    if let Some(span) = attrs.force_default {
        if !attrs.has_default() {
            errors.at(
                span,
                "`force_default` stores the field's default: give one with `default = ..` or `default_fn = ..`",
            );
        }
        let with = [
            FieldOption::HashKey,
            FieldOption::RangeKey,
            FieldOption::Skip,
            FieldOption::Version,
            FieldOption::Ttl,
            FieldOption::CreatedAt,
            FieldOption::UpdatedAt,
        ];
        for option in attrs.conflicts(&with) {
            errors.at(span, format!("`force_default` conflicts with `{option}`"));
        }
    }
}

/// Two fields stored under one name, or two handles (`User::EMAIL`) with one name.
fn check_stored_names(input: &Input, errors: &mut Errors) {
    let mut names = HashMap::new();
    let mut handles = HashMap::new();
    for field in input.stored_fields() {
        let name = field.stored_name();
        if key_name_too_long(field, &name) {
            errors.at(
                field.name_span(),
                "a key attribute name can be at most 255 bytes",
            );
        }
        if let Some(first) = names.insert(name.clone(), field.ident) {
            errors.at(
                field.name_span(),
                format!(
                    "attribute `{name}` is already stored by field `{first}`; `rename` one of them"
                ),
            );
        }
        let handle = handle_name(&unraw(field.ident));
        if let Some(first) = handles.insert(handle.clone(), field.ident) {
            errors.at(
                field.ident.span(),
                format!(
                    "fields `{first}` and `{}` would both have the handle `{handle}`",
                    field.ident
                ),
            );
        }
    }
    for index in &input.attrs.indexes {
        if let Some(name) = &index.name {
            let handle = handle_name(&name.value());
            if let Some(field) = handles.get(&handle) {
                errors.spanned(
                    name,
                    format!("index handle `{handle}` would clash with the handle of field `{field}`; rename the index"),
                );
            }
        }
    }
}

/// The attribute the runtime keeps a write's token in (`dynamo_model::WRITE_TOKEN`): a model
/// cannot store, read or compose an attribute of that name.
const WRITE_TOKEN: &str = "_wt";

fn check_reserved_names(input: &Input, errors: &mut Errors) {
    let reserved = |what: &str| {
        format!("attribute `{WRITE_TOKEN}` is the library's (the write token of conditional writes, dynamo_model::WRITE_TOKEN); {what}")
    };
    for field in input.stored_fields() {
        if field.stored_name() == WRITE_TOKEN {
            errors.at(field.name_span(), reserved("`rename` the field"));
        }
        for alias in &field.attrs.aliases {
            if alias.value() == WRITE_TOKEN {
                errors.spanned(alias, reserved("choose another alias"));
            }
        }
    }
    for template in input.templates() {
        if template.name == WRITE_TOKEN {
            errors.spanned(&template.lit, reserved("compose another attribute"));
        }
    }
}

fn key_name_too_long(field: &crate::ast::Field, name: &str) -> bool {
    field.attrs.is_key() && name.len() > 255
}

/// `by_email` -> `BY_EMAIL`: the associated const naming a field's or an index's handle.
pub fn handle_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

fn check_indexes(input: &Input, errors: &mut Errors) {
    let mut names = HashMap::new();
    let has_range = input.has_range();
    for index in &input.attrs.indexes {
        let kind = match index.kind {
            IndexKind::Global => "gsi",
            IndexKind::Local => "lsi",
        };
        match &index.name {
            Some(name) => {
                check_name(name, "index", errors);
                if names.insert(name.value(), ()).is_some() {
                    errors.spanned(name, format!("index `{}` is declared twice", name.value()));
                }
            }
            None => errors.at(
                index.span,
                format!("the {kind} needs a name: `{kind}(name = \"...\", ..)`"),
            ),
        }
        let name = index.name.as_ref().map(LitStr::value).unwrap_or_default();
        let slots = [
            (KeySlot::IndexHash(name.clone()), &index.hash),
            (KeySlot::IndexRange(name), &index.range),
        ];
        for (slot, key) in slots {
            let Some(key) = key else { continue };
            if is_template(key) {
                continue;
            }
            match input.resolve_key(slot, key) {
                Some(KeyRef::Template(_)) => {}
                _ => check_index_key(input, key, errors),
            }
        }
        match index.kind {
            IndexKind::Global if index.hash.is_none() => errors.at(
                index.span,
                "a gsi needs its hash key: `gsi(name = \"...\", hash = \"field\")`",
            ),
            IndexKind::Local => {
                if let Some(hash) = &index.hash {
                    errors.spanned(
                        hash,
                        "an lsi always uses the table's hash key; give only `range = \"field\"`",
                    );
                }
                if index.range.is_none() {
                    errors.at(
                        index.span,
                        "an lsi needs its range key: `lsi(name = \"...\", range = \"field\")`",
                    );
                }
                if !has_range {
                    errors.at(
                        index.span,
                        "a local secondary index needs a table with a range key (`#[dynamo(range_key)]`)",
                    );
                }
            }
            IndexKind::Global => {}
        }
    }
}

fn check_index_key(input: &Input, key: &LitStr, errors: &mut Errors) {
    let name = key.value();
    match input.field_named(&name) {
        None => {
            let fields: Vec<String> = input.stored_fields().map(|f| unraw(f.ident)).collect();
            errors.spanned(
                key,
                format!(
                    "no field `{name}` in `{}`; its fields are: {}",
                    input.ident,
                    fields.join(", ")
                ),
            );
        }
        Some(field) if !field.is_stored() => {
            errors.spanned(
                key,
                format!("field `{name}` is `skip`ped, so it cannot be an index key"),
            );
        }
        Some(field) if field.attrs.serde.is_some() => {
            errors.spanned(
                key,
                format!("field `{name}` uses `serde`, so it cannot be an index key"),
            );
        }
        Some(_) => {}
    }
}

/// `#[derive(Attributes)]` on an enum: unit variants, each stored under its own name.
pub fn check_unit_enum(input: &UnitEnum, errors: &mut Errors) {
    if input.generic {
        errors.spanned(input.generics, "a stored enum cannot be generic");
    }
    for variant in input.variants.iter().filter(|v| !v.unit) {
        errors.spanned(
            variant.ident,
            "only unit variants can be stored as strings; store a data-carrying enum with `#[dynamo(serde)]` on the field",
        );
    }
    let mut names = HashMap::new();
    for (name, variant) in input.stored_names() {
        if names.insert(name.clone(), ()).is_some() {
            errors.spanned(
                variant.ident,
                format!("two variants are stored as {name:?}"),
            );
        }
        if name.is_empty() {
            errors.spanned(
                variant.ident,
                "a variant cannot be stored as an empty string",
            );
        }
    }
    if input.variants.is_empty() {
        errors.spanned(input.ident, "a stored enum needs at least one variant");
    }
}

/// A collection is a non-generic enum whose variants each hold one model. (That the models
/// share a table and keys and can be told apart is checked by the generated code, at compile
/// time: it needs their schemas.)
pub fn check_collection(input: &CollectionEnum, errors: &mut Errors) {
    use syn::spanned::Spanned;
    if !input.is_enum {
        errors.at(
            input.ident.span(),
            "a Collection is an enum with one variant per model: `enum CustomerData { Profile(Customer), Order(Order) }`",
        );
        return;
    }
    if !input.generics.params.is_empty() {
        errors.at(input.generics.span(), "a Collection cannot be generic");
    }
    for member in input.members.iter().filter(|m| m.model.is_none()) {
        errors.at(
            member.variant.span(),
            format!(
                "each variant of a Collection holds one model: `{}(Model)`",
                member.variant
            ),
        );
    }
    if input.members.is_empty() {
        errors.at(
            input.ident.span(),
            "a Collection needs at least one variant, holding a model",
        );
    }
}

/// "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
