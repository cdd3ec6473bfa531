// The executor workloads of benches/benches/rt.rs, written in Go, so gorust can be compared
// with the runtime it imitates on the same machine in the same run. Prints one line per
// workload: "<name> <median ns per op>", and "parked_bytes <bytes per parked goroutine>".
//
// Usage: go run . [-full] [-runs N]
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"time"
)

func countdown(n int) (func(), chan struct{}) {
	left := int64(n)
	done := make(chan struct{})
	return func() {
		if atomic.AddInt64(&left, -1) == 0 {
			close(done)
		}
	}, done
}

func spawnMany(n int) {
	tick, done := countdown(n)
	for i := 0; i < n; i++ {
		go tick()
	}
	<-done
}

func yieldMany(tasks, yields int) {
	tick, done := countdown(tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			for j := 0; j < yields; j++ {
				runtime.Gosched()
			}
			tick()
		}()
	}
	<-done
}

func chain(n int, done chan struct{}) {
	if n == 0 {
		close(done)
		return
	}
	go chain(n-1, done)
}

func chainedSpawn(depth int) {
	done := make(chan struct{})
	chain(depth, done)
	<-done
}

func pingPongSpawn(iters int) {
	tick, done := countdown(iters)
	for i := 0; i < iters; i++ {
		go func() {
			c1 := make(chan struct{}, 1)
			c2 := make(chan struct{}, 1)
			go func() {
				<-c1
				c2 <- struct{}{}
			}()
			c1 <- struct{}{}
			<-c2
			tick()
		}()
	}
	<-done
}

func roundTrips(n int) {
	to := make(chan int)
	from := make(chan int)
	go func() {
		for v := range to {
			from <- v + 1
		}
	}()
	for i := 0; i < n; i++ {
		to <- i
		if <-from != i+1 {
			panic("bad round trip")
		}
	}
	close(to)
}

func fromTask(f func()) {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	<-done
}

func median(v []time.Duration) time.Duration {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[len(v)/2]
}

func measure(name string, ops, runs int, f func()) {
	var ds []time.Duration
	for r := 0; r < runs; r++ {
		t0 := time.Now()
		f()
		ds = append(ds, time.Since(t0))
	}
	fmt.Printf("%s %.1f\n", name, float64(median(ds).Nanoseconds())/float64(ops))
}

func parkedBytes(n int) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	block := make(chan struct{})
	var started int64
	for i := 0; i < n; i++ {
		go func() {
			atomic.AddInt64(&started, 1)
			<-block
		}()
	}
	for atomic.LoadInt64(&started) < int64(n) {
		runtime.Gosched()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Sys-before.Sys) / float64(n)
}

func main() {
	full := flag.Bool("full", false, "full size")
	runs := flag.Int("runs", 7, "runs to take the median of")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)
	size := func(n int) int {
		if *full {
			return n
		}
		if n/1000 < 10 {
			return 10
		}
		return n / 1000
	}
	r := *runs
	if !*full {
		r = 1
	}
	n := size(1000000)
	measure("spawn_many_main", n, r, func() { spawnMany(n) })
	measure("spawn_many_task", n, r, func() { fromTask(func() { spawnMany(n) }) })
	tasks := size(1000000) / 1000
	if tasks < 1 {
		tasks = 1
	}
	measure("yield_many_main", tasks*1000, r, func() { yieldMany(tasks, 1000) })
	measure("yield_many_task", tasks*1000, r, func() { fromTask(func() { yieldMany(tasks, 1000) }) })
	d := size(1000000)
	measure("chained_spawn_main", d, r, func() { chainedSpawn(d) })
	measure("chained_spawn_task", d, r, func() { fromTask(func() { chainedSpawn(d) }) })
	it := size(100000)
	measure("ping_pong_main", it, r, func() { pingPongSpawn(it) })
	measure("ping_pong_task", it, r, func() { fromTask(func() { pingPongSpawn(it) }) })
	rt := size(100000)
	measure("round_trip_main", rt, r, func() { roundTrips(rt) })
	measure("round_trip_task", rt, r, func() { fromTask(func() { roundTrips(rt) }) })
	fmt.Printf("parked_bytes %.1f\n", parkedBytes(size(1000000)))
}
