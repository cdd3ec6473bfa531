//! yield_many alone (1000 tasks x 1000 yields on 2 Ps), for `perf record`:
//! `target/release/examples/yieldlab [gorust|tokio]`.
fn main() {
    let rt = std::env::args().nth(1).unwrap_or_else(|| "gorust".into());
    let (tasks, yields) = (1000, 1000);
    let t = std::time::Instant::now();
    if rt == "gorust" {
        gorust::runtime::Builder::new()
            .procs(2)
            .build()
            .unwrap()
            .block_on(async move {
                let hs: Vec<_> = (0..tasks)
                    .map(|_| {
                        gorust::spawn(async move {
                            for _ in 0..yields {
                                gorust::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            });
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap()
            .block_on(async move {
                let hs: Vec<_> = (0..tasks)
                    .map(|_| {
                        tokio::spawn(async move {
                            for _ in 0..yields {
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            });
    }
    println!(
        "{rt}: {:.1} ns/yield",
        t.elapsed().as_nanos() as f64 / (tasks * yields) as f64
    );
}
