//! Go channels with sudog wait queues and a fair, cancel-safe select (under construction)
