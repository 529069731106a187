//! The repository graph: search order, validation, retention targets. Pure.
