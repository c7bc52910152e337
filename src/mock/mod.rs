//! The built-in mock upstream.
