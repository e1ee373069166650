//! Expressions: conditions, updates and projections as trees, and their one renderer.

pub(crate) mod condition;
pub(crate) mod operand;
pub(crate) mod path;
pub(crate) mod update;
pub(crate) mod writer;

pub use condition::{AttributeType, Condition};
pub use operand::{Contains, Operand, Ordered, Prefixed, Size, ValueFor};
pub use path::{Indexed, Keyed, Nested, Path, PathElement, PathOf, TypedPath, Untyped};
pub use update::{Addable, List, Numeric, Removable, Set, SetOperand, UpdateValue};
pub use writer::{MAX_EXPRESSION_LENGTH, MAX_IN_VALUES};

pub(crate) use writer::ExpressionWriter;
