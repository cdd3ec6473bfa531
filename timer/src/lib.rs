//! Per-P four-ary timer heaps and the time API (under construction)
