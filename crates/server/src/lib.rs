//! The HTTP server: routing, authentication, control plane.
