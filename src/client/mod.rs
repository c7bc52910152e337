//! The client under test: a connection pool of our own over hyper's conn API.
