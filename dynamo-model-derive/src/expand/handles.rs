//! Typed handles: `User::EMAIL` for each stored field and `User::BY_EMAIL` for each index.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::fields::{default_value, field_functions, hooks_const};
use super::private;
use crate::ast::{Input, KeySlot};
use crate::attr::IndexKind;
use crate::valid;

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
            quote!(#p::attr_with_hooks(#name, &Self::#hooks))
        } else {
            quote!(#p::Attr::new(#name))
        };
        if with_hooks && default_value(field).is_some() {
            let default = format_ident!("__dynamo_default_{}", crate::ast::unraw(field.ident));
            attr = quote!(#p::attr_with_default(#attr, Self::#default));
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
        let hash = match index.kind {
            IndexKind::Global => {
                let key =
                    input.resolve_key(KeySlot::IndexHash(name.value()), index.hash.as_ref()?)?;
                super::model::key_type(input, &key, true)
            }
            IndexKind::Local => super::model::key_type(input, &input.table_hash()?, true),
        };
        let range_ty = match &index.range {
            Some(range) => {
                let key = input.resolve_key(KeySlot::IndexRange(name.value()), range)?;
                super::model::key_type(input, &key, true)
            }
            None => quote!(()),
        };
        let doc = format!("Typed handle to the index `{}`.", name.value());
        Some(quote! {
            #[doc = #doc]
            #vis const #handle: #p::Index<#ident, #hash, #range_ty> =
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
