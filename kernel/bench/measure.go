// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/benchops"
)

const (
	// runTime is how long one timed round should take: TCG is slow and
	// the host is shared, so each round is short and the whole kernel
	// runs for seconds.
	runTime = 100 * time.Millisecond

	// firstIters is the per-CPU operation count of the first round;
	// maxIters bounds it.
	firstIters = 1000
	maxIters   = 1 << 32

	// runTimeout bounds one round, start barrier included.
	runTimeout = 60 * time.Second
)

// measure runs op o on CPUs 0..n-1 at once: rounds of growing length until
// one lasts runTime, as testing.B calibrates, then count timed rounds of
// that length. It returns the per-CPU operations of a round and the ns/op
// of each timed round: wall time over the operations of all n CPUs.
func measure(o benchops.Op, n, count int) (int, []float64, error) {
	iters := firstIters

	for {
		wall, err := runOnce(o, n, iters)
		if err != nil {
			return 0, nil, err
		}
		if wall >= runTime || iters >= maxIters {
			break
		}

		// aim 20% past runTime, growing at most 100 times per round
		next := iters * 100
		if wall > 0 {
			next = min(next, int(float64(iters)*1.2*float64(runTime)/float64(wall)))
		}
		iters = min(max(next, iters*2), maxIters)
	}

	ns := make([]float64, count)
	for r := range ns {
		wall, err := runOnce(o, n, iters)
		if err != nil {
			return 0, nil, err
		}
		ns[r] = float64(wall.Nanoseconds()) / float64(n*iters)
	}
	return iters, ns, nil
}

// runOnce runs iters operations of o on each of the CPUs 0..n-1 at once and
// returns the wall time from the first CPU leaving the start barrier to the
// last CPU finishing. It then checks that the counters hold n*iters.
//
// Ops run through boot.OnEachCPU, one call per CPU with the goroutine
// pinned: the start barrier spins, bounded. An op that may park (mutex,
// whose Lock may park the goroutine, which a pinned goroutine must never do)
// runs in n goroutines that are not pinned: they yield while they wait at
// the barrier, since a goroutine that spins without yielding would keep
// another worker from the CPU they share until the scheduler spreads them.
func runOnce(o benchops.Op, n, iters int) (time.Duration, error) {
	pinned := !o.Parks

	o.Reset()

	var (
		arrived  atomic.Int32
		finished atomic.Int32
		late     atomic.Int32
		starts   = make([]int64, n)
		ends     = make([]int64, n)
	)

	epoch := time.Now()
	deadline := epoch.Add(runTimeout)

	body := func(cpu int) {
		arrived.Add(1)

		for arrived.Load() < int32(n) {
			if time.Now().After(deadline) {
				late.Add(1)
				return
			}
			if !pinned {
				runtime.Gosched()
			}
		}

		starts[cpu] = int64(time.Since(epoch))
		o.Run(cpu, iters)
		ends[cpu] = int64(time.Since(epoch))
		finished.Add(1)
	}

	if pinned {
		if err := boot.OnEachCPU(boot.Online()[:n], runTimeout, body); err != nil {
			return 0, err
		}
	} else {
		for cpu := 0; cpu < n; cpu++ {
			go body(cpu)
		}

		for finished.Load()+late.Load() < int32(n) && time.Now().Before(deadline.Add(runTimeout)) {
			time.Sleep(time.Millisecond)
		}
	}

	if l := late.Load(); l > 0 {
		return 0, fmt.Errorf("%d of %d CPUs timed out at the start barrier (%v)", l, n, runTimeout)
	}
	if f := finished.Load(); f != int32(n) {
		return 0, fmt.Errorf("%d of %d CPUs finished %d operations each within %v", f, n, iters, 2*runTimeout)
	}

	first, last := starts[0], ends[0]
	for cpu := 1; cpu < n; cpu++ {
		first = min(first, starts[cpu])
		last = max(last, ends[cpu])
	}

	if err := o.Check(n, uint64(n)*uint64(iters)); err != nil {
		return 0, fmt.Errorf("%d CPUs, %d operations each: %v", n, iters, err)
	}

	return time.Duration(last - first), nil
}
