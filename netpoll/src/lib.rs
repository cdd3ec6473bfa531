//! The netpoller (on polling), pollDesc, Async<T> and net types (under construction)
