//! Tests of `tributary-graph`: search order, validation, retention targets (tables), and
//! properties on random graphs checked against a naive reference model.

mod properties;
mod reference;
mod retention;
mod search_order;
mod spec;
mod validation;
