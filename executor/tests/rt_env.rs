//! GORUST_MAXPROCS: its own test binary, one test, so changing the environment races nothing.

use gorust_executor::runtime::{Builder, DEBUG_ENV, MAXPROCS_ENV};

#[test]
fn maxprocs_env_sets_default_and_explicit_procs_wins() {
    // SAFETY: this binary runs this one test on one thread; nothing reads the environment
    // concurrently.
    unsafe { std::env::set_var(MAXPROCS_ENV, "3") };
    assert_eq!(Builder::new().build().unwrap().procs(), 3);
    assert_eq!(Builder::new().procs(2).build().unwrap().procs(), 2);
    // SAFETY: as above.
    unsafe { std::env::set_var(MAXPROCS_ENV, "lots") };
    let e = Builder::new().build().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains(MAXPROCS_ENV));
    // SAFETY: as above.
    unsafe { std::env::set_var(MAXPROCS_ENV, "0") };
    assert!(Builder::new().build().is_err());
    // SAFETY: as above.
    unsafe { std::env::remove_var(MAXPROCS_ENV) };
    assert!(Builder::new().build().unwrap().procs() >= 1);

    // GORUST_DEBUG: a bad schedtrace value is an error; unknown keys are ignored.
    // SAFETY: as above.
    unsafe { std::env::set_var(DEBUG_ENV, "schedtrace=often") };
    let e = Builder::new().procs(1).build().unwrap_err();
    assert!(e.to_string().contains("schedtrace"), "{e}");
    // SAFETY: as above.
    unsafe { std::env::set_var(DEBUG_ENV, "madeup=1,schedtrace=5") };
    let rt = Builder::new().procs(1).build().unwrap();
    rt.block_on(async { std::thread::sleep(std::time::Duration::from_millis(20)) });
    drop(rt);
    // SAFETY: as above.
    unsafe { std::env::remove_var(DEBUG_ENV) };
}
