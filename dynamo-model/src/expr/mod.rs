//! Expressions: the tree of conditions and updates, and its one renderer.

pub(crate) mod writer;

pub(crate) use writer::ExpressionWriter;
