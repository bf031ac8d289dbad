//! The runtime's semantics, one module per behaviour (see picante/README.md for the list).
//! They share one test binary to keep CI's link time down.

mod common;

mod cancellation;
mod changed_since;
mod cycles;
mod debug_views;
mod deep_chain_stack;
mod deep_equality;
mod durability;
mod early_cutoff;
mod errors_and_panics;
mod events;
mod inputs;
mod interned;
mod invalidation;
mod join;
mod memo_hit;
mod model_stress;
mod persistence;
mod persistence_lazy;
mod single_flight;
mod snapshots;
