// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// fakePort is a machine of present CPUs whose Prepare fails with errPrepare,
// so that Start stops before it would need GOOS=tamago.
type fakePort struct {
	present int
	online  map[int]bool
	woken   []int
}

var errPrepare = errors.New("fake: prepare")

func (p *fakePort) NumCPU() int               { return p.present }
func (p *fakePort) Prepare(n int) error       { return errPrepare }
func (p *fakePort) Online(cpu int) bool       { return p.online[cpu] }
func (p *fakePort) StartError(int, int) error { return nil }

func (p *fakePort) Start(cpu int, sp, g0, fn, base uintptr) int {
	p.woken = append(p.woken, cpu)
	return 0
}

// testAreas is the number of per-CPU areas of the tests, at region: fewer
// than MaxCPUs, so that the parking of CPUs beyond the areas shows.
const testAreas = 4

var region [testAreas*1024 + linker.AreaAlign]byte

func TestMain(m *testing.M) {
	base := (uintptr(unsafe.Pointer(&region)) + linker.AreaAlign - 1) &^ (linker.AreaAlign - 1)

	if size, _ := percpu.RegionLayout(testAreas); size > uintptr(len(region))-linker.AreaAlign {
		fmt.Fprintf(os.Stderr, "region too small: %d bytes for %d areas\n", size, testAreas)
		os.Exit(1)
	}

	if _, err := percpu.Init(base, uintptr(len(region))-(base-uintptr(unsafe.Pointer(&region))), testAreas); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	os.Exit(m.Run())
}

// startWith runs Start on a fresh package state with port p, on a goroutine
// whose per-CPU register points at area 0.
func startWith(p Port, max int) (r Report, err error) {
	done := make(chan struct{})

	go func() {
		defer close(done)

		percpu.InitReg(0) // on linux/amd64: locks this goroutine to its thread
		port = p
		started.Store(false)
		r, err = Start(max, 0)
	}()

	<-done
	return
}

// TestParked: more CPUs present than per-CPU areas. The extra CPUs are
// listed as parked, the problem line names both sizes, and the port is
// asked to prepare only the CPUs that have an area.
func TestParked(t *testing.T) {
	areas := percpu.AreaNum()
	present := areas + 3

	if areas != testAreas {
		t.Fatalf("AreaNum() = %d, want %d", areas, testAreas)
	}
	stride := percpu.AreaStride()

	p := &fakePort{present: present}
	r, err := startWith(p, 0)

	if !errors.Is(err, errPrepare) {
		t.Fatalf("Start = %v, want the fake Prepare error", err)
	}

	if r.Present != present || r.Areas != areas || r.Wanted != min(areas, MaxCPUs) {
		t.Errorf("Report = present %d, areas %d, wanted %d; want %d, %d, %d", r.Present, r.Areas, r.Wanted, present, areas, min(areas, MaxCPUs))
	}

	var parked []int
	for cpu := r.Wanted; cpu < min(present, MaxCPUs); cpu++ {
		parked = append(parked, cpu)
	}
	if !reflect.DeepEqual(r.Parked, parked) {
		t.Errorf("Parked = %v, want %v", r.Parked, parked)
	}

	msg := strings.Join(r.Problems, "\n")
	for _, want := range []string{
		fmt.Sprintf("cpus %d..%d present but left parked", areas, present-1),
		fmt.Sprintf("only %d per-CPU areas of %d bytes (%d bytes)", areas, stride, uintptr(areas)*stride),
		fmt.Sprintf("%d CPUs need %d bytes", present, uintptr(present)*stride),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems %q do not say %q", msg, want)
		}
	}

	if len(p.woken) != 0 {
		t.Errorf("CPUs %v woken before Prepare", p.woken)
	}
}

func TestParkedProblems(t *testing.T) {
	stride := percpu.AreaStride()

	for _, c := range []struct {
		n, areas int
		want     []string
	}{
		{4, 4, nil},
		{2, 4, nil},
		{8, 4, []string{fmt.Sprintf("cpus 4..7 present but left parked: only 4 per-CPU areas of %d bytes (%d bytes), 8 CPUs need %d bytes", stride, 4*stride, 8*stride)}},
		{MaxCPUs + 2, MaxCPUs + 8, []string{fmt.Sprintf("cpus %d..%d present but left parked: boot.MaxCPUs is %d", MaxCPUs, MaxCPUs+1, MaxCPUs)}},
	} {
		if got := parkedProblems(c.n, c.areas); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parkedProblems(%d, %d) = %q, want %q", c.n, c.areas, got, c.want)
		}
	}
}

func TestNoPort(t *testing.T) {
	port = nil
	started.Store(false)

	if _, err := Start(0, 0); err != ErrNoPort {
		t.Errorf("Start without a port = %v, want %v", err, ErrNoPort)
	}
}

// TestParkedOnline: a CPU that was never started but reports itself online
// (a port that woke it anyway) is a problem. With max 1 Start wakes no CPU
// and needs no goos.Task.
func TestParkedOnline(t *testing.T) {
	p := &fakePort{present: 3, online: map[int]bool{2: true}}
	r, err := startWith(p, 1)

	if err != ErrParkedOnline {
		t.Errorf("Start = %v, want %v", err, ErrParkedOnline)
	}
	if !reflect.DeepEqual(r.Parked, []int{1, 2}) || !reflect.DeepEqual(r.Online, []int{0}) {
		t.Errorf("Parked = %v, Online = %v; want [1 2], [0]", r.Parked, r.Online)
	}
	if msg := strings.Join(r.Problems, "\n"); !strings.Contains(msg, "cpu 2 was left parked but is online") {
		t.Errorf("problems %q do not name cpu 2", msg)
	}
}
