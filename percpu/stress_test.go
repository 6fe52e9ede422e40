// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// gcPressure runs the garbage collector in a loop until stop is closed: every
// cycle stops the world, which preempts the running goroutines with signals
// (asynchronous preemption on the linux host), also in the middle of a per-CPU
// access.
func gcPressure(stop <-chan struct{}) (done <-chan struct{}) {
	d := make(chan struct{})

	go func() {
		defer close(d)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()

	return d
}

// TestIsolation: every CPU writes its own values and reads them back many
// times while the others do the same; a thread must never see another
// CPU's value.
func TestIsolation(t *testing.T) {
	if !threadCPUs {
		t.Skip("threads are not CPUs on this host: the CPUs would run one after the other")
	}

	fresh(t)

	n := testCPUs()
	if n < 4 {
		t.Fatalf("only %d areas, want at least 4", n)
	}

	var start sync.WaitGroup
	start.Add(n)

	runCPUs(n, func(cpu int) {
		start.Done()
		start.Wait() // every CPU thread exists and is registered

		for i := 0; i < 20000; i++ {
			want := uint64(cpu)<<32 | uint64(i)
			vU64.Write(want)
			vPoint.Write(point{X: int32(cpu), Y: int32(i)})

			if i%100 == 0 {
				runtime.Gosched()
			}

			if got := vU64.Read(); got != want {
				t.Errorf("cpu %d: uint64 read %#x after writing %#x", cpu, got, want)
				return
			}
			if got := vPoint.Read(); got != (point{X: int32(cpu), Y: int32(i)}) {
				t.Errorf("cpu %d: point read %v after writing %v", cpu, got, point{X: int32(cpu), Y: int32(i)})
				return
			}
			if got := CPU(); got != cpu {
				t.Errorf("cpu %d: CPU() = %d", cpu, got)
				return
			}
		}
	})

	for cpu := 0; cpu < n; cpu++ {
		if got := *vU64.Remote(cpu); got>>32 != uint64(cpu) {
			t.Errorf("Remote(%d) holds %#x, written by cpu %d", cpu, got, got>>32)
		}
	}
}

// TestConcurrentAdd: n >= 4 CPU threads add to their own counters 100000 times
// at the same time, under garbage collection; Add uses no atomic instruction,
// so any sharing of a slot between threads would lose increments.
func TestConcurrentAdd(t *testing.T) {
	if !threadCPUs {
		t.Skip("threads are not CPUs on this host: the CPUs would run one after the other")
	}

	fresh(t)

	const iters = 100000

	n := testCPUs()
	if n < 4 {
		t.Fatalf("only %d areas, want at least 4", n)
	}

	stop := make(chan struct{})
	gcDone := gcPressure(stop)

	var start sync.WaitGroup
	start.Add(n)

	runCPUs(n, func(cpu int) {
		start.Done()
		start.Wait()

		for i := 0; i < iters; i++ {
			Add(vCounter, 1)
			Add(vDown, -1)
			vU32.With(func(p *uint32) { *p++ })

			if i%1000 == 0 {
				runtime.Gosched()
			}
		}
	})

	close(stop)
	<-gcDone

	var sum uint64

	for cpu := 0; cpu < n; cpu++ {
		c := *vCounter.Remote(cpu)
		sum += c

		if c != iters {
			t.Errorf("cpu %d counter = %d, want %d", cpu, c, iters)
		}
		if d := *vDown.Remote(cpu); d != -iters {
			t.Errorf("cpu %d down counter = %d, want %d", cpu, d, -iters)
		}
		if w := *vU32.Remote(cpu); w != 0xdeadbeef+iters {
			t.Errorf("cpu %d With counter = %#x, want %#x", cpu, w, uint32(0xdeadbeef+iters))
		}
	}

	if sum != uint64(n)*iters {
		t.Errorf("sum of %d counters = %d, want %d", n, sum, uint64(n)*iters)
	}
}

// TestMigration: goroutines that change CPU while they run.
//
// On TamaGo every M is a CPU and a goroutine moves between them at any
// preemption point. On the host a CPU is a thread locked to the goroutine
// that registered it: an unlocked goroutine can land on any runtime thread,
// most of them with GS base 0, and a thread that is not locked would pass its
// GS base to the threads the runtime clones from it. So migration is
// reproduced the other way round: W worker goroutines, each locked to its own
// thread, take turns at the N < W CPUs. A worker takes a free CPU, points its
// thread's register at that CPU's area (InitReg), runs a burst of accesses
// with Gosched in between, and gives the CPU back; over the run every worker
// runs on every CPU and every CPU is run by many threads, as a goroutine and
// a CPU would over a TamaGo run. At most one thread is a given CPU at a time,
// the invariant TamaGo guarantees. Every access must go to the CPU of the
// burst, and the per-CPU counters must add up exactly.
//
// Where threads are not CPUs, the workers run the same bursts one CPU at a
// time through the software register.
func TestMigration(t *testing.T) {
	if onKernel() {
		t.Skip("inside the kernel the CPUs are real: goroutines do not take turns at being CPUs")
	}

	fresh(t)

	ncpu := min(AreaNum(), 4)
	workers := 2 * ncpu
	rounds := 200
	burst := 500

	if !threadCPUs {
		workers = 1
	}

	free := make(chan int, ncpu)
	for cpu := 0; cpu < ncpu; cpu++ {
		free <- cpu
	}

	stop := make(chan struct{})
	gcDone := gcPressure(stop)

	var (
		wg    sync.WaitGroup
		total atomic.Uint64
		ran   [64]atomic.Uint32 // bit w of ran[cpu]: worker w ran on cpu
	)

	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()

			rng := rand.New(rand.NewPCG(uint64(w), 1))

			for r := 0; r < rounds; r++ {
				cpu := <-free
				InitReg(cpu) // this thread is now CPU cpu
				ran[cpu].Or(1 << w)

				for i := 0; i < burst; i++ {
					Add(vCounter, 1)

					switch rng.IntN(16) {
					case 0:
						runtime.Gosched()
					case 1:
						var other bool
						vPoint.With(func(p *point) {
							// pinned: no t.Errorf (it may block)
							other = p != vPoint.Remote(cpu)
							p.X++
						})
						if other {
							t.Errorf("worker %d on cpu %d: With got another CPU's slot", w, cpu)
						}
					case 2:
						vU64.Write(uint64(w))
						if got := vU64.Read(); got != uint64(w) {
							t.Errorf("worker %d on cpu %d: read %d back", w, cpu, got)
						}
					}

					if got := CPU(); got != cpu {
						t.Errorf("worker %d: CPU() = %d, want %d", w, got, cpu)
						return
					}
				}

				total.Add(uint64(burst))
				free <- cpu // another thread may now become CPU cpu

				if !threadCPUs {
					continue
				}

				WriteReg(0) // this thread is no CPU until its next turn
			}
		}()
	}

	wg.Wait()
	close(stop)
	<-gcDone

	var sum uint64
	var pointX int32

	for cpu := 0; cpu < ncpu; cpu++ {
		sum += *vCounter.Remote(cpu)
		pointX += vPoint.Remote(cpu).X - 1

		if threadCPUs && ran[cpu].Load() == 0 {
			t.Errorf("no worker ran on cpu %d", cpu)
		}
	}

	if sum != total.Load() {
		t.Errorf("per-CPU counters add up to %d, want %d", sum, total.Load())
	}

	if pointX <= 0 {
		t.Errorf("With never ran (point.X increments = %d)", pointX)
	}
}
