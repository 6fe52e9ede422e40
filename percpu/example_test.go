// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/tamago-smp/kernel/internal/kerneltest"
	"github.com/tamago-smp/kernel/percpu"
)

// TestMain initializes the areas once, over the linker region, as a kernel
// does at boot, and on the kernel brings every CPU up. (The internal tests
// re-initialize them for themselves and leave this state behind.)
func TestMain(m *testing.M) {
	if _, err := kerneltest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	os.Exit(m.Run())
}

// onCPU runs f as CPU cpu: on a TamaGo kernel on that very CPU, pinned (its
// register was set at boot); on a host, a goroutine becomes CPU cpu with
// InitReg(cpu) (on linux/amd64 it is then locked to its own thread, whose
// GS base is set).
func onCPU(cpu int, f func()) {
	kerneltest.OnCPU(cpu, f)
}

// Per-CPU variables are declared at package level, with their initial value.
var requests = percpu.Define[uint64](0)

func Example() {
	// At boot: percpu.InitInPlace() (see TestMain), then each CPU
	// points its register at its area.
	onCPU(0, func() {
		percpu.Add(requests, 1)
		percpu.Add(requests, 2)

		fmt.Println("cpu", percpu.CPU(), "requests", requests.Read())
	})

	// Any CPU can read another CPU's slot, unsynchronized.
	fmt.Println("remote", *requests.Remote(0))

	// Output:
	// cpu 0 requests 3
	// remote 3
}

type latency struct {
	Min, Max, Sum uint64
	N             uint32
}

var stats = percpu.Define(latency{Min: ^uint64(0)})

func ExampleVar_With() {
	record := func(ns uint64) {
		// Pinned to this CPU while the function runs: it must not block.
		stats.With(func(s *latency) {
			s.Min = min(s.Min, ns)
			s.Max = max(s.Max, ns)
			s.Sum += ns
			s.N++
		})
	}

	onCPU(0, func() {
		stats.Reset()

		for _, ns := range []uint64{120, 80, 300} {
			record(ns)
		}

		s := stats.Read()
		fmt.Printf("n=%d min=%d max=%d avg=%d\n", s.N, s.Min, s.Max, s.Sum/uint64(s.N))
	})

	// Output:
	// n=3 min=80 max=300 avg=166
}

var drops = percpu.Define[int32](0)

func ExampleAdd() {
	onCPU(0, func() {
		drops.Reset()

		percpu.Add(drops, 5)
		percpu.Add(drops, -2)

		fmt.Println(drops.Read())
	})

	// Output:
	// 3
}

// served counts the requests each CPU served.
var served = percpu.Define[uint64](0)

func ExampleVar_Remote() {
	onCPU(0, func() {
		served.Reset()
		percpu.Add(served, 5)
	})

	// Any CPU reads every CPU's slot: the sum is a racy snapshot while
	// CPUs add, and exact once they stopped.
	var total uint64
	for cpu := range percpu.AreaNum() {
		total += *served.Remote(cpu)
	}
	fmt.Println("served", total)

	// Output:
	// served 5
}

func ExampleNew() {
	// Per-CPU areas are not scanned by the garbage collector: types that
	// hold pointers are refused.
	_, err := percpu.New[struct {
		Hits uint64
		Name string
	}](struct {
		Hits uint64
		Name string
	}{})

	fmt.Println(errors.Is(err, percpu.ErrPointers))
	fmt.Println(err)

	// Output:
	// true
	// percpu: type struct { Hits uint64; Name string } holds pointers: field .Name is a string; per-CPU areas are not scanned by the garbage collector
}

func ExampleInit() {
	// Init takes a 64-byte aligned base; RegionLayout says how much memory
	// n CPUs need.
	size, align := percpu.RegionLayout(4)
	fmt.Println(size == 4*percpu.AreaStride(), align)

	_, err := percpu.Init(0x10001, size, 4)
	fmt.Println(errors.Is(err, percpu.ErrMisaligned))
	fmt.Println(err)

	// Output:
	// true 64
	// true
	// percpu: base 0x10001 is not aligned to 64 bytes (it is 1 byte past 0x10000)
}

// A variable allocated at run time, one per device for example, works with
// every accessor, on the same fast paths as a defined one.
func ExampleAlloc() {
	type queueStats struct {
		Packets, Bytes uint64
	}

	// after Init: one per queue, as queues appear
	q, err := percpu.Alloc(queueStats{})
	if err != nil {
		fmt.Println(err)
		return
	}

	onCPU(0, func() {
		for range 2 {
			q.With(func(s *queueStats) {
				s.Packets++
				s.Bytes += 1500
			})
		}
	})

	var total queueStats
	percpu.ForEach(q, func(cpu int, s *queueStats) {
		total.Packets += s.Packets
		total.Bytes += s.Bytes
	})
	fmt.Println(total.Packets, total.Bytes)

	// the memory is reused once freed; a second Free is refused
	fmt.Println(percpu.Free(q))
	err = percpu.Free(q)
	fmt.Println(errors.Is(err, percpu.ErrFreed))

	_, err = percpu.Alloc([64 * 1024]byte{})
	fmt.Println(errors.Is(err, percpu.ErrTooBig))

	// Output:
	// 2 3000
	// <nil>
	// true
	// true
}

// A counter summed over the CPUs: Add is one call on the current CPU's slot,
// Sum reads every CPU's slot once.
func ExampleCounter() {
	drops, err := percpu.NewCounter()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drops.Free()

	onCPU(0, func() {
		drops.Add(10)
		drops.Add(-3)
	})
	onCPU(0, func() { drops.Add(7) })

	// exact here: no CPU is adding
	fmt.Println(drops.Sum())

	drops.Reset()
	fmt.Println(drops.Sum())

	// Output:
	// 14
	// 0
}
