//! gorust's G/M/P work-stealing executor on async-task (under construction)
