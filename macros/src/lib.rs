//! #[gorust::main], #[gorust::test] and friends (under construction)
