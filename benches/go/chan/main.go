// The Go side of benches/benches/chan.rs: the same four channel workloads, medians of
// CHAN_BENCH_RUNS runs, printed as "<workload> <ns/op>" lines. Run with GOMAXPROCS=2.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

func envInt(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return d
}

var scale = envInt("CHAN_BENCH_SCALE", 1)

func size(n int) int {
	if n/scale < 10 {
		return 10
	}
	return n / scale
}

// Unbuffered ping-pong between two goroutines: time per round trip.
func pingpong(n int) time.Duration {
	c1, c2 := make(chan uint64), make(chan uint64)
	go func() {
		for v := range c1 {
			c2 <- v
		}
	}()
	done := make(chan time.Duration)
	go func() {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			c1 <- uint64(i)
			<-c2
		}
		done <- time.Since(t0)
	}()
	d := <-done
	close(c1)
	return d
}

// p producers, c consumers on one channel of cap; time for n messages.
func throughput(capacity, p, c, n int) time.Duration {
	ch := make(chan uint64, capacity)
	t0 := time.Now()
	var pw, cw sync.WaitGroup
	for k := 0; k < p; k++ {
		m := n / p
		if k < n%p {
			m++
		}
		pw.Add(1)
		go func(m int) {
			for i := 0; i < m; i++ {
				ch <- uint64(i)
			}
			pw.Done()
		}(m)
	}
	for k := 0; k < c; k++ {
		cw.Add(1)
		go func() {
			for range ch {
			}
			cw.Done()
		}()
	}
	pw.Wait()
	close(ch)
	cw.Wait()
	return time.Since(t0)
}

// A select over 4 always-ready channels: time per select.
func select4(n int) time.Duration {
	var cs [4]chan uint64
	for i := range cs {
		cs[i] = make(chan uint64, 1)
		cs[i] <- 0
	}
	done := make(chan time.Duration)
	go func() {
		t0 := time.Now()
		for j := 0; j < n; j++ {
			var i int
			select {
			case <-cs[0]:
				i = 0
			case <-cs[1]:
				i = 1
			case <-cs[2]:
				i = 2
			case <-cs[3]:
				i = 3
			}
			cs[i] <- 0
		}
		done <- time.Since(t0)
	}()
	return <-done
}

func median(v []time.Duration) time.Duration {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[len(v)/2]
}

func main() {
	runs := envInt("CHAN_BENCH_RUNS", 7)
	type work struct {
		name string
		ops  int
		f    func(int) time.Duration
	}
	works := []work{
		{"pingpong", size(200_000), pingpong},
		{"spsc", size(2_000_000), func(n int) time.Duration { return throughput(1024, 1, 1, n) }},
		{"mpmc", size(2_000_000), func(n int) time.Duration { return throughput(1024, 4, 4, n) }},
		{"select4", size(1_000_000), select4},
	}
	samples := make([][]time.Duration, len(works))
	for r := 0; r < runs; r++ {
		for i, w := range works {
			samples[i] = append(samples[i], w.f(w.ops))
		}
	}
	for i, w := range works {
		fmt.Printf("%s %.1f\n", w.name, float64(median(samples[i]).Nanoseconds())/float64(w.ops))
	}
}
