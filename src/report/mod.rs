pub mod compare;
pub mod hlog;
pub mod markdown;
