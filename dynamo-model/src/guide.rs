//! Guides: pages of documentation, with no code of their own.

#[doc = include_str!("../docs/derive.md")]
pub mod derive_options {}

#[doc = include_str!("../docs/dynamoose.md")]
pub mod coming_from_dynamoose {}

#[doc = include_str!("../docs/single_table.md")]
pub mod single_table_design {}
