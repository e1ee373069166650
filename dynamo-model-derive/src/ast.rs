//! syn input -> our nodes, for the shapes the derives take: a struct of named fields
//! ([`Input`]), an enum of unit variants ([`UnitEnum`]) and an enum of models
//! ([`CollectionEnum`]). Each node keeps its original tokens, so errors point at them. All
//! `#[dynamo(..)]` parsing is in `attr`.

use proc_macro2::Span;
use syn::{Data, DataEnum, DeriveInput, Fields, Ident, LitStr, Type, Visibility};

use crate::attr::{self, ContainerAttrs, EnumAttrs, Errors, FieldAttrs, VariantAttrs};
use crate::serde_attr;

pub struct Input<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub attrs: ContainerAttrs,
    /// What `#[serde(..)]` says (for the JSON Schema).
    pub serde: serde_attr::Container,
    /// The doc comment (the JSON Schema's description).
    pub doc: String,
    pub fields: Vec<Field<'a>>,
    /// False when the input is not a struct with named fields (already reported).
    pub named_struct: bool,
    /// The input has generic parameters (already reported).
    pub generic: bool,
    /// Every template attribute (see [`Input::templates`]), parsed once.
    templates: Vec<Template>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
    pub serde: serde_attr::Field,
    pub doc: String,
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
                        serde: serde_attr::field(&f.attrs),
                        doc: serde_attr::doc(&f.attrs),
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
        let mut input = Input {
            ident: &input.ident,
            vis: &input.vis,
            attrs,
            serde: serde_attr::container(&input.attrs),
            doc: serde_attr::doc(&input.attrs),
            fields,
            named_struct,
            generic: !input.generics.params.is_empty(),
            templates: Vec::new(),
        };
        input.templates = input.parse_templates();
        input
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
    /// serde's `rename_all` (for the JSON Schema).
    pub serde: serde_attr::Container,
    pub doc: String,
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
    /// serde's `rename`.
    pub serde: serde_attr::Names,
}

impl<'a> UnitEnum<'a> {
    pub fn from_syn(input: &'a DeriveInput, data: &'a DataEnum, errors: &mut Errors) -> Self {
        UnitEnum {
            ident: &input.ident,
            attrs: attr::unit_enum(&input.attrs, errors),
            serde: serde_attr::container(&input.attrs),
            doc: serde_attr::doc(&input.attrs),
            variants: data
                .variants
                .iter()
                .map(|v| Variant {
                    ident: &v.ident,
                    unit: matches!(v.fields, Fields::Unit),
                    attrs: attr::variant(&v.attrs, errors),
                    serde: serde_attr::variant(&v.attrs),
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

/// An attribute composed from fields: `pk = "CUSTOMER#{customer_id}"`.
/// An enum whose variants each hold one model (`#[derive(Collection)]`).
pub struct CollectionEnum<'a> {
    pub ident: &'a Ident,
    /// False when the input is a struct or union (reported by `valid`).
    pub is_enum: bool,
    pub generics: &'a syn::Generics,
    pub members: Vec<Member<'a>>,
}

/// A variant of a [`CollectionEnum`].
pub struct Member<'a> {
    pub variant: &'a Ident,
    /// The model it holds; `None` when it does not hold exactly one value (reported by `valid`).
    pub model: Option<&'a Type>,
}

impl<'a> CollectionEnum<'a> {
    pub fn from_syn(input: &'a DeriveInput) -> Self {
        let members = match &input.data {
            Data::Enum(data) => data
                .variants
                .iter()
                .map(|variant| Member {
                    variant: &variant.ident,
                    model: match &variant.fields {
                        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                            Some(&fields.unnamed[0].ty)
                        }
                        _ => None,
                    },
                })
                .collect(),
            _ => Vec::new(),
        };
        CollectionEnum {
            ident: &input.ident,
            is_enum: matches!(input.data, Data::Enum(_)),
            generics: &input.generics,
            members,
        }
    }

    /// The model whose keys a query of the collection uses: the first variant's.
    pub fn key_model(&self) -> Option<&'a Type> {
        self.members.first().and_then(|member| member.model)
    }
}

pub struct Template {
    /// The composed attribute's stored name.
    pub name: String,
    /// The template as written, for errors.
    pub lit: LitStr,
    /// The literal text around the parts: one more than there are parts.
    pub texts: Vec<String>,
    /// The parts, as written between braces (a field's Rust or stored name).
    pub parts: Vec<String>,
}

impl Template {
    /// Parses `text{part}text..`; a brace without its pair is an error.
    pub fn parse(name: String, lit: &LitStr) -> Result<Template, String> {
        let value = lit.value();
        let (mut texts, mut parts) = (vec![String::new()], Vec::new());
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    let mut part = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!(
                                    "unclosed `{{` in the key template {value:?}: parts are written `{{field}}`"
                                ))
                            }
                            Some(c) => part.push(c),
                        }
                    }
                    parts.push(part.trim().to_owned());
                    texts.push(String::new());
                }
                '}' => {
                    return Err(format!(
                        "a `}}` without its `{{` in the key template {value:?}"
                    ))
                }
                c => texts
                    .last_mut()
                    .expect("one text per part, plus one")
                    .push(c),
            }
        }
        Ok(Template {
            name,
            lit: lit.clone(),
            texts,
            parts,
        })
    }

    /// The characters escaped inside string parts: `%` and the first character of each text
    /// between two parts. A part then ends where the next separator begins, so no two values
    /// compose to the same key; the text before the first part and after the last needs nothing.
    pub fn escaped(&self) -> String {
        let mut escaped = String::from("%");
        let between = self.texts.iter().take(self.parts.len()).skip(1);
        for c in between.filter_map(|t| t.chars().next()) {
            if !escaped.contains(c) {
                escaped.push(c);
            }
        }
        escaped
    }
}

/// What a key names: a field, or a template attribute (index into [`Input::templates`]).
pub enum KeyRef<'i, 'a> {
    Field(&'i Field<'a>),
    Template(usize),
}

/// Where a key is declared, which names a template written in place: the table's keys are
/// `pk` and `sk`, an index's `<index>_pk` and `<index>_sk`.
#[derive(Clone)]
pub enum KeySlot {
    TableHash,
    TableRange,
    IndexHash(String),
    IndexRange(String),
}

impl KeySlot {
    pub fn template_name(&self) -> String {
        match self {
            KeySlot::TableHash => "pk".to_owned(),
            KeySlot::TableRange => "sk".to_owned(),
            KeySlot::IndexHash(index) => format!("{index}_pk"),
            KeySlot::IndexRange(index) => format!("{index}_sk"),
        }
    }
}

/// A key given as a string is a template when it holds a part.
pub fn is_template(key: &LitStr) -> bool {
    key.value().contains('{')
}

impl<'a> Input<'a> {
    /// Every template attribute: `compose(..)`, then the keys written as templates (struct-level
    /// `hash_key`/`range_key`, then the indexes'), in that order. Templates that do not parse are
    /// left out (`valid` reports them).
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    fn parse_templates(&self) -> Vec<Template> {
        let mut out: Vec<Template> = self
            .attrs
            .compose
            .iter()
            .filter_map(|(name, lit)| Template::parse(unraw(name), lit).ok())
            .collect();
        for (slot, lit) in self.template_keys() {
            if let Ok(template) = Template::parse(slot.template_name(), lit) {
                out.push(template);
            }
        }
        out
    }

    /// The keys written as templates, with where they are declared.
    pub fn template_keys(&self) -> Vec<(KeySlot, &LitStr)> {
        let mut out = Vec::new();
        let table = [
            (KeySlot::TableHash, &self.attrs.hash_key),
            (KeySlot::TableRange, &self.attrs.range_key),
        ];
        for (slot, key) in table {
            if let Some(lit) = key.as_ref().filter(|k| is_template(k)) {
                out.push((slot, lit));
            }
        }
        for index in &self.attrs.indexes {
            let Some(name) = &index.name else { continue };
            for (slot, key) in [
                (KeySlot::IndexHash(name.value()), &index.hash),
                (KeySlot::IndexRange(name.value()), &index.range),
            ] {
                if let Some(lit) = key.as_ref().filter(|k| is_template(k)) {
                    out.push((slot, lit));
                }
            }
        }
        out
    }

    /// What the key `key` declared at `slot` names: a template written in place, a `compose`d
    /// attribute, or a field. `None` when it names nothing (`valid` reports it).
    pub fn resolve_key(&self, slot: KeySlot, key: &LitStr) -> Option<KeyRef<'_, 'a>> {
        let templates = self.templates();
        let wanted = if is_template(key) {
            slot.template_name()
        } else {
            key.value()
        };
        if let Some(i) = templates.iter().position(|t| t.name == wanted) {
            return Some(KeyRef::Template(i));
        }
        if is_template(key) {
            return None;
        }
        self.field_named(&key.value()).map(KeyRef::Field)
    }

    /// The table's hash key: a field marked `hash_key`, or the struct's `hash_key = ".."`.
    pub fn table_hash(&self) -> Option<KeyRef<'_, 'a>> {
        match &self.attrs.hash_key {
            Some(key) => self.resolve_key(KeySlot::TableHash, key),
            None => self.hash_key().map(KeyRef::Field),
        }
    }

    /// The table's range key, likewise.
    pub fn table_range(&self) -> Option<KeyRef<'_, 'a>> {
        match &self.attrs.range_key {
            Some(key) => self.resolve_key(KeySlot::TableRange, key),
            None => self.range_key().map(KeyRef::Field),
        }
    }

    /// The table has a range key (a field or a template).
    pub fn has_range(&self) -> bool {
        self.attrs.range_key.is_some() || self.range_key().is_some()
    }

    /// The fields the primary key is made of, in order: the key fields, or the parts of the key
    /// templates (each once).
    pub fn key_fields(&self) -> Vec<&Field<'a>> {
        let templates = self.templates();
        let mut out: Vec<&Field<'a>> = Vec::new();
        for key in [self.table_hash(), self.table_range()]
            .into_iter()
            .flatten()
        {
            let fields: Vec<&Field<'a>> = match key {
                KeyRef::Field(field) => vec![field],
                KeyRef::Template(i) => templates[i]
                    .parts
                    .iter()
                    .filter_map(|part| self.field_named(part))
                    .collect(),
            };
            for field in fields {
                if !out.iter().any(|f| std::ptr::eq(*f, field)) {
                    out.push(field);
                }
            }
        }
        out
    }
}
