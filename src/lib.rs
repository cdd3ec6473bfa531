//! gorust: Go's runtime rebuilt for Rust's async ecosystem (under construction).
