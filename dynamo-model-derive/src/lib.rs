//! Derive macros for [dynamo-model](https://docs.rs/dynamo-model). Use them through
//! `dynamo_model`, which re-exports them; the generated code names only `::dynamo_model`.

mod ast;
mod attr;
mod expand;
mod fallback;
mod serde_attr;
mod valid;

use proc_macro::TokenStream;

/// Derives `dynamo_model::Model` for a struct with named fields: the schema, item conversions,
/// the typed key struct `<Name>Key` and the typed attribute and index handles. The options are
/// those of `dynamo_model::guide::derive_options`.
#[proc_macro_derive(Model, attributes(dynamo))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::model::derive(&input).into()
}

/// Derives `dynamo_model::Attributes` (and `Attribute`) for a struct stored as a nested map,
/// with typed handles for nested paths (`User::ADDRESS.then(Address::CITY)`); on an enum of
/// unit variants, `Attribute` (a string), `KeyAttribute` and `SetElement`. The options are
/// those of `dynamo_model::guide::derive_options`.
#[proc_macro_derive(Attributes, attributes(dynamo))]
pub fn derive_attributes(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::attributes::derive(&input).into()
}

/// Derives `dynamo_model::Collection` for an enum whose variants each hold one model of a shared
/// table (`enum CustomerData { Profile(Customer), Order(Order) }`): one query reads items of
/// every variant's model. The models must agree on the table and its keys and be told apart by
/// a `constant` attribute, checked at compile time.
#[proc_macro_derive(Collection)]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::collection::derive(&input).into()
}
