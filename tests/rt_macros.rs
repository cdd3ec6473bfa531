//! #[gorust::test] and #[gorust::main]: arguments, defaults, return types.

use gorust::runtime::Handle;

#[gorust::test]
async fn test_defaults_to_one_proc() {
    assert_eq!(Handle::current().metrics().procs, 1);
    assert_eq!(gorust::spawn(async { 1 }).await.unwrap(), 1);
}

#[gorust::test(procs = 3)]
async fn test_with_procs() {
    assert_eq!(Handle::current().metrics().procs, 3);
}

#[gorust::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_accepts_tokio_arguments() {
    assert_eq!(Handle::current().metrics().procs, 2);
}

#[gorust::test(flavor = "current_thread")]
async fn test_current_thread_flavor_is_one_proc() {
    assert_eq!(Handle::current().metrics().procs, 1);
}

#[gorust::test]
async fn test_returning_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    Ok(())
}

#[gorust::test]
#[should_panic(expected = "boom in a test")]
async fn test_panics_propagate() {
    panic!("boom in a test");
}

#[gorust::test]
async fn main_is_on_a_p_so_spawns_are_local() {
    // One P, held by the test body: the spawned task runs on this very thread.
    let me = std::thread::current().id();
    let there = gorust::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(me, there);
}

mod as_main {
    #[gorust::main(procs = 2)]
    pub async fn main() -> Result<u32, String> {
        let v = gorust::spawn(async { 20 })
            .await
            .map_err(|e| e.to_string())?;
        Ok(v + 1)
    }
}

#[test]
fn main_attribute_returns_the_body_result() {
    assert_eq!(as_main::main(), Ok(21));
}
