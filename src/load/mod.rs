//! Load generation: schedules of intended send times and the engine that dispatches them.

pub mod engine;
pub mod schedule;

pub use schedule::Schedule;
