// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package arm64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/internal/fdt"
)

// FuzzCPUsFromTree: for any tree fdt.Parse accepts, cpusFromTree marks the
// boot CPU once, gives a spin-table release address only to a usable
// secondary (non-zero, 8-byte aligned), names the node of every Unusable
// CPU, and fails naming /cpus.
func FuzzCPUsFromTree(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.dtb")
	more, _ := filepath.Glob("../../internal/fdt/testdata/*.dtb")
	for _, name := range append(names, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, self := range []uint64{0, 1, 0x100} {
			f.Add(b, self)
		}
	}

	f.Fuzz(func(t *testing.T, b []byte, self uint64) {
		if len(b) > 1<<20 {
			return
		}
		tr, err := fdt.Parse(b)
		if err != nil {
			return
		}

		cpus, release, err := cpusFromTree(tr, self)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fdt: ") || !strings.Contains(err.Error(), "/cpus") {
				t.Fatalf("cpusFromTree(%#x): %v: want an fdt: error naming /cpus", self, err)
			}
			return
		}
		if len(release) != len(cpus) {
			t.Fatalf("%d CPUs, %d release addresses", len(cpus), len(release))
		}
		boots := 0
		for i, c := range cpus {
			switch {
			case c.Boot:
				boots++
				if c.HWID != self || c.Unusable != "" || release[i] != 0 {
					t.Fatalf("boot CPU %+v, release %#x: want reg %#x, usable, no release address", c, release[i], self)
				}
			case c.Unusable != "":
				if release[i] != 0 || !strings.HasPrefix(c.Unusable, "/cpus/") {
					t.Fatalf("unusable CPU %+v, release %#x: want no release address and the node named", c, release[i])
				}
			case release[i] != 0 && release[i]%8 != 0:
				t.Fatalf("CPU %+v: release address %#x not 8-byte aligned", c, release[i])
			}
		}
		if boots != 1 {
			t.Fatalf("cpusFromTree(%#x) marks %d boot CPUs, want 1", self, boots)
		}
	})
}
