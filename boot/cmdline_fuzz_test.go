// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package boot

// On the host only: go test reads the corpus from testdata, which the
// kernel does not carry.
import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzCmdline feeds any command line of up to 1 MiB to withCmdline. An
// accepted line gives CPU ids in 1..MaxCPUs-1, a count of at least 1, and
// the same options as its words read one at a time; a rejected one names
// the word it rejects.
func FuzzCmdline(f *testing.F) {
	for _, s := range []string{
		"",
		"console=ttyS0 boot.degraded",
		"boot.degraded=0 boot.degraded=true",
		"boot.skip=1,3",
		"boot.skip=1 boot.skip=63",
		"maxcpus=2",
		"maxcpus=0",
		"maxcpus=x",
		"boot.skip=0",
		"boot.skip=1,x",
		"boot.skip=,",
		"-test.v -test.run=TestSkip maxcpus=64 boot.skip=2",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > 1<<20 {
			return
		}

		in := Options{Skip: make([]int, 1, 2)}
		in.Skip[0] = 7
		o, err := in.withCmdline(line)

		if in.Skip[0] != 7 || len(in.Skip) != 1 || in.Skip[:2][1] != 0 {
			t.Fatalf("%q: the caller's Skip changed to %v", line, in.Skip[:2])
		}

		if err != nil {
			for _, w := range strings.Fields(line) {
				if strings.HasPrefix(err.Error(), "boot: kernel command line "+strconv.Quote(w)+": ") {
					return
				}
			}
			t.Fatalf("%q: error %q names none of its words", line, err)
		}

		if o.Max < 0 || len(o.Skip) < 1 || o.Skip[0] != 7 {
			t.Fatalf("%q: Max %d, Skip %v", line, o.Max, o.Skip)
		}
		for _, cpu := range o.Skip[1:] {
			if cpu < 1 || cpu >= MaxCPUs {
				t.Fatalf("%q: skips cpu %d, want 1..%d", line, cpu, MaxCPUs-1)
			}
		}

		w := in
		for _, word := range strings.Fields(line) {
			if w, err = w.withCmdline(word); err != nil {
				t.Fatalf("%q accepted, its word %q alone: %v", line, word, err)
			}
		}
		if w.Max != o.Max || w.Degraded != o.Degraded || !slices.Equal(w.Skip, o.Skip) {
			t.Fatalf("%q: %+v, word by word %+v", line, o, w)
		}
	})
}
