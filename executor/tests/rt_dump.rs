//! Goroutine dumps: parked tasks with id, wait reason and spawn location.

mod common;

#[test]
fn dump_lists_parked_tasks_with_reason_and_location() {
    let rt = common::rt(1);
    rt.block_on(async {
        let sleeper = gorust_executor::spawn(std::future::pending::<()>());
        let waiter_line = line!() + 1;
        let waiter = gorust_executor::spawn(sleeper);
        for _ in 0..10 {
            gorust_executor::yield_now().await;
        }
        let dump = gorust_executor::runtime::Handle::current().dump();
        assert!(
            dump.starts_with("gorust: 1 Ps, 2 tasks alive, 2 parked"),
            "{dump}"
        );
        // The waiter parks in its JoinHandle: Go's wording for the reason, and where it was
        // spawned.
        let waiter_entry = format!("goroutine {} [join wait]:", waiter.id());
        assert!(dump.contains(&waiter_entry), "{dump}");
        assert!(
            dump.contains(&format!("rt_dump.rs:{waiter_line}:")),
            "spawn location missing: {dump}"
        );
        waiter.abort();
        assert!(waiter.await.unwrap_err().is_cancelled());
    });
    let dump = rt.dump();
    // The aborted waiter dropped its JoinHandle of the sleeper: the sleeper is detached, still
    // parked.
    assert!(dump.contains("1 parked"), "{dump}");
}
