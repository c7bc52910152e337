mod cli;
mod engine;
mod scenarios;
mod support;
