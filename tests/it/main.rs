mod chaos;
mod cli;
mod client;
mod engine;
mod scenarios;
mod standalone;
mod support;
