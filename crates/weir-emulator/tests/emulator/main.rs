//! Integration tests: a started emulator driven over HTTP with reqwest.

mod anthropic;
mod chat;
mod common;
mod control;
mod faults;
mod responses;
mod routing;
mod script;
