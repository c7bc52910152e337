//! Load generation: schedules of intended send times and the engine that dispatches them.
