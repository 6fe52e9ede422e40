// Boot-time self-tests of per-CPU data
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package selftest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// StressAdds is the number of per-CPU adds every CPU must have received
// before the stress test stops, with up to 8 CPUs; with more, each CPU must
// receive StressAdds*8/n (see [stressAdds]): the total stays 8 million, so
// the test scales its iterations, not its coverage, with the CPU count.
const StressAdds = 1_000_000

// stressAdds returns the adds each of n CPUs must receive.
func stressAdds(n int) uint64 {
	return StressAdds * 8 / uint64(max(n, 8))
}

// stressGoroutines is the number of adding goroutines per CPU.
const stressGoroutines = 8

// stressTimeout bounds the stress tests: a bound against hangs, not a
// speed requirement. The adders run until every CPU has its share, which
// takes about 20 s at 64 CPUs on a quiet 2-core host under emulation, and
// several times that when the host is busy with other work.
const stressTimeout = 120 * time.Second

// canary is the value of the guard words around the stress counter.
const canary = 0x6775617264fa11ed

// The stress counter between two guard words. Package initialization runs
// these three definitions one after the other, so the three slots are
// adjacent in every area (up to alignment, and all three are 8 bytes): a
// write that strays from the counter by a slot hits a guard word.
var (
	guardLo       = percpu.Define[uint64](canary)
	stressCounter = percpu.Define[uint64](0)
	guardHi       = percpu.Define[uint64](canary)
)

// stressResult is what the stress test saw, for the report.
type stressResult struct {
	adds       uint64        // adds counted by the goroutines themselves
	perCPU     []uint64      // final counter of every CPU
	reads      uint64        // remote reads done by the reader
	readerCPUs uint64        // bit c: the reader ran a burst on CPU c
	took       time.Duration // until every CPU had stressAdds adds
}

// Stress is the stress test, run after the per-CPU tests on all the CPUs t
// checks at once. It records one result per CPU in t (stress cpu=<id>) and
// writes a summary line of its own.
//
// stressGoroutines * n goroutines, free to migrate (never pinned, never
// locked), each add 1 to the stress counter with [percpu.Add] in a loop and
// count their own adds in a local variable, yielding (runtime.Gosched) every
// few hundred adds, so that they keep changing CPU. Meanwhile a reader
// goroutine reads every CPU's counter through [percpu.Var.Remote], in
// bursts pinned to the CPU it is on, checks that no counter ever goes
// down, and stops the adders once every CPU has received stressAdds adds.
// Then, per CPU:
//
//   - the reader never saw its counter decrease;
//   - its counter reached stressAdds(n);
//   - the sum of all counters equals the sum of the goroutines' own counts
//     exactly: no add was lost or counted twice, although Add is not atomic
//     on arm64 and riscv64 (a load, an add and a store);
//   - its guard words are intact (see [CheckGuards]).
func Stress(t *console.Tally) {
	w, on := t.Writer(), t.Online()
	n := len(on)
	errs := make([]error, boot.MaxCPUs)
	res := stressRun(on, errs)

	var sum uint64
	perCPU := make([]uint64, 0, n)
	for _, cpu := range on {
		sum += res.perCPU[cpu]
		perCPU = append(perCPU, res.perCPU[cpu])
	}

	var cpus []string
	for _, cpu := range on {
		if res.readerCPUs&(1<<cpu) != 0 {
			cpus = append(cpus, fmt.Sprint(cpu))
		}
	}

	fmt.Fprintf(w, "stress: %d adds by %d goroutines on %d CPUs in %v, per CPU %v; reader: %d remote reads on cpus %s\n",
		res.adds, stressGoroutines*n, n, res.took.Round(time.Millisecond), perCPU, res.reads, strings.Join(cpus, ","))

	for _, cpu := range on {
		err := errs[cpu]

		switch {
		case err != nil:
		case res.perCPU[cpu] < stressAdds(n):
			err = console.Errorf("counter=%d after %v, want at least %d", res.perCPU[cpu], stressTimeout, stressAdds(n))
		case sum != res.adds:
			err = console.Errorf("sum of %d counters=%d, want %d (the adds the goroutines counted): %d lost",
				n, sum, res.adds, int64(res.adds-sum))
		default:
			err = CheckGuards(cpu)
		}

		t.Result("stress", cpu, err)
	}
}

// stressRun runs the adders and the reader; a decrease the reader sees on
// CPU c is recorded in errs[c].
func stressRun(on []int, errs []error) (r stressResult) {
	n := len(on)
	target := stressAdds(n)
	base := make([]uint64, boot.MaxCPUs)
	for _, cpu := range on {
		base[cpu] = atomic.LoadUint64(stressCounter.Remote(cpu))
	}

	var (
		stop  atomic.Bool
		total atomic.Uint64
		wg    sync.WaitGroup
	)

	start := time.Now()

	for g := 0; g < stressGoroutines*n; g++ {
		wg.Add(1)

		go func() {
			defer wg.Done()

			var adds uint64
			x := uint32(g)*2654435761 + 1 // xorshift32 state

			for !stop.Load() {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5

				// a burst of 64 to 1023 adds, then a yield
				burst := 64 + x%960
				for i := burst; i > 0; i-- {
					percpu.Add(stressCounter, 1)
				}
				adds += uint64(burst)

				// a CPU that has its share rests (keeping its
				// P), so that the adders queued there are
				// stolen by the CPUs still short of theirs and
				// those get the host's time under emulation
				if stressCounter.Read()-base[percpu.CPU()] >= target {
					boot.Rest()
				}

				runtime.Gosched()
			}

			total.Add(adds)
		}()
	}

	last := make([]uint64, boot.MaxCPUs)
	copy(last, base)
	deadline := start.Add(stressTimeout)

	// the first decrease seen on each CPU, from and to; errors are made
	// after the reader stopped, since nothing may allocate while pinned
	down := make([][2]uint64, boot.MaxCPUs)
	wentDown := make([]bool, boot.MaxCPUs)

	// the reader: this goroutine
	for {
		var min uint64 = ^uint64(0)

		percpu.Pin()
		r.readerCPUs |= 1 << percpu.CPU()

		for i := 0; i < 64; i++ {
			for _, cpu := range on {
				v := atomic.LoadUint64(stressCounter.Remote(cpu))

				if v < last[cpu] && !wentDown[cpu] {
					down[cpu], wentDown[cpu] = [2]uint64{last[cpu], v}, true
				}

				last[cpu] = v
				min = minU64(min, v-base[cpu])
				r.reads++
			}
		}

		percpu.Unpin()

		if min >= stressAdds(n) || time.Now().After(deadline) {
			break
		}

		runtime.Gosched()
	}

	r.took = time.Since(start)
	stop.Store(true)
	wg.Wait()

	for _, cpu := range on {
		if wentDown[cpu] {
			errs[cpu] = console.Errorf("remote read of the counter went down from %d to %d", down[cpu][0], down[cpu][1])
		}
	}

	r.adds = total.Load()
	r.perCPU = make([]uint64, boot.MaxCPUs)

	for _, cpu := range on {
		r.perCPU[cpu] = atomic.LoadUint64(stressCounter.Remote(cpu)) - base[cpu]
	}

	return
}

func minU64(a, b uint64) uint64 {
	if a < b {
		return a
	}
	return b
}

// CheckGuards checks the guard words of CPU cpu's area and of the region
// around the areas, and returns an error naming the first word that is not
// what it must be. The guard words are:
//
//   - the two canary slots on either side of the stress counter
//     (guardLo and guardHi, defined next to it) in the area of cpu;
//   - the free dynamic memory of every area (the first chunk, after the
//     variables, and the later chunks), which holds the poison byte
//     wherever no allocated variable lives ([percpu.CheckPoison]);
//
// and, when the areas are the linker region's (InitInPlace), for every cpu:
//
//   - the slack of the region before area 0, zero;
//   - the linker guard zone after the region ([linker.Guard]), zero.
func CheckGuards(cpu int) error {
	if v := atomic.LoadUint64(guardLo.Remote(cpu)); v != canary {
		return console.Errorf("guard word before the counter = %#x, want %#x", v, uint64(canary))
	}
	if v := atomic.LoadUint64(guardHi.Remote(cpu)); v != canary {
		return console.Errorf("guard word after the counter = %#x, want %#x", v, uint64(canary))
	}

	if err := percpu.CheckPoison(); err != nil {
		return err
	}

	start, end := linker.Region()
	first := percpu.AreaBase(0)
	last := percpu.AreaBase(percpu.AreaNum()-1) + percpu.AreaStride()

	if first < start || last > end {
		return nil // caller-provided areas: no linker slack to check
	}

	if err := zero("region slack before area 0", start, first); err != nil {
		return err
	}

	gs, ge := linker.Guard()
	return zero("linker guard zone _percpu_end", gs, ge)
}

// zero returns an error naming the first non-zero byte in [start, end).
func zero(what string, start, end uintptr) error {
	for p := start; p < end; p++ {
		if b := *(*byte)(unsafe.Add(unsafe.Pointer(nil), p)); b != 0 {
			return console.Errorf("%s [%#x, %#x): byte at %#x = %#x, want 0", what, start, end, p, b)
		}
	}
	return nil
}
