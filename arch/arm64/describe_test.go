// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package arm64

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/fdt"
)

// testdata/mixed.dtb is testdata/mixed.dts built with dtc -I dts -O dtb;
// the QEMU trees are the ones of internal/fdt.
func tree(t *testing.T, path string) *fdt.Tree {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := fdt.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

func TestCPUsQEMUGICv3(t *testing.T) {
	tr := tree(t, "../../internal/fdt/testdata/arm64-gicv3-smp20.dtb")

	cpus, _, err := cpusFromTree(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) != 20 {
		t.Fatalf("%d CPUs, want 20", len(cpus))
	}
	for i, c := range cpus {
		// 16 CPUs per cluster in Aff0, then Aff1
		want := boot.CPU{HWID: uint64(i/16)<<8 | uint64(i%16), Boot: i == 0}
		if c != want {
			t.Errorf("cpu %d: %+v, want %+v", i, c, want)
		}
	}

	// the same tree seen from the CPU with MPIDR 0x101: boot CPU first
	cpus, _, err = cpusFromTree(tr, 0x101)
	if err != nil {
		t.Fatal(err)
	}
	if !cpus[17].Boot || cpus[0].Boot {
		t.Errorf("boot CPU 0x101: cpu 17 boot=%v, cpu 0 boot=%v", cpus[17].Boot, cpus[0].Boot)
	}

	if m, err := conduitFromTree(tr); m != "smc" || err != nil {
		t.Errorf("conduit %q, %v; want smc", m, err)
	}
}

func TestCPUsQEMUGICv2(t *testing.T) {
	tr := tree(t, "../../internal/fdt/testdata/arm64-smp4.dtb")

	cpus, _, err := cpusFromTree(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []boot.CPU{{HWID: 0, Boot: true}, {HWID: 1}, {HWID: 2}, {HWID: 3}}; !reflect.DeepEqual(cpus, want) {
		t.Errorf("cpus %+v, want %+v", cpus, want)
	}
	if m, err := conduitFromTree(tr); m != "hvc" || err != nil {
		t.Errorf("conduit %q, %v; want hvc (plain virt)", m, err)
	}
}

func TestCPUsUnusable(t *testing.T) {
	tr := tree(t, "testdata/mixed.dtb")

	cpus, release, err := cpusFromTree(tr, 1)
	if err != nil {
		t.Fatal(err)
	}

	want := []struct {
		hwid     uint64
		boot     bool
		release  uint64
		unusable string
	}{
		{0x1, true, 0, ""},
		{0x0, false, 0, `/cpus/cpu@0: enable-method "spin-table" without cpu-release-addr`},
		{0x2, false, 0, `/cpus/cpu@2: status = "disabled"`},
		{0x3, false, 0xf0, ""},
		{0x4, false, 0, `/cpus/cpu@4: no enable-method, want "psci" or "spin-table"`},
		{0x5, false, 0, `/cpus/cpu@5: enable-method "brcm,bcm2836-smp", want "psci" or "spin-table"`},
		{0x6, false, 0, `/cpus/cpu@6: cpu-release-addr is 4 bytes, want 8 (two cells)`},
		{0x7, false, 0, `/cpus/cpu@7: cpu-release-addr 0xe4, want a non-zero multiple of 8`},
		{0x100, false, 0, ""},
	}
	if len(cpus) != len(want) || len(release) != len(want) {
		t.Fatalf("%d CPUs, %d release addresses, want %d: %+v", len(cpus), len(release), len(want), cpus)
	}
	for i, w := range want {
		if c := cpus[i]; c.HWID != w.hwid || c.Boot != w.boot || c.Unusable != w.unusable || release[i] != w.release {
			t.Errorf("cpu %d: %+v release %#x, want hwid %#x boot %v release %#x unusable %q", i, c, release[i], w.hwid, w.boot, w.release, w.unusable)
		}
	}

	if got := tr.Bootargs(); got != "boot.degraded maxcpus=4" {
		t.Errorf("bootargs %q", got)
	}
	if m, err := conduitFromTree(tr); m != "hvc" || err != nil {
		t.Errorf("conduit %q, %v; want hvc", m, err)
	}
}

func TestCPUsBootNotDescribed(t *testing.T) {
	tr := tree(t, "testdata/mixed.dtb")

	_, _, err := cpusFromTree(tr, 0x10203)
	if err == nil || !strings.Contains(err.Error(), "no CPU with reg 0x10203") {
		t.Errorf("boot CPU 0x10203 not in the tree: error %v, want one naming 0x10203", err)
	}
}

func TestConduitBad(t *testing.T) {
	tr := tree(t, "testdata/mixed.dtb")

	psci := tr.Find("/psci")
	for i := range psci.Props {
		if psci.Props[i].Name == "method" {
			psci.Props[i].Value = []byte("svc\x00")
		}
	}

	if _, err := conduitFromTree(tr); err == nil || !strings.Contains(err.Error(), `method "svc"`) {
		t.Errorf("method svc: error %v, want one naming it", err)
	}

	tr.Root.Children = nil
	if m, err := conduitFromTree(tr); m != "" || err != nil {
		t.Errorf("no /psci: %q, %v; want \"\", nil", m, err)
	}
}

// The two trees below are QEMU's own (qemu-system-aarch64 -machine
// virt,virtualization=on,gic-version=3,dumpdtb=f -cpu cortex-a72 -smp 4),
// decompiled with dtc, edited, and compiled again; QEMU boots them with
// -dtb, so that the kernel meets CPUs it must leave alone or cannot start:
//
//	virt-gicv3-smp4-unusable.dtb   cpu@2 status = "disabled", cpu@3 enable-method = "spin-table" (no cpu-release-addr)
//	virt-gicv3-smp4-phantom.dtb    an extra cpu@10 (reg 0x10) that QEMU does not have: CPU_ON fails
func TestCPUsQEMUEdited(t *testing.T) {
	cpus, _, err := cpusFromTree(tree(t, "testdata/virt-gicv3-smp4-unusable.dtb"), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", `/cpus/cpu@2: status = "disabled"`, `/cpus/cpu@3: enable-method "spin-table" without cpu-release-addr`}
	if len(cpus) != len(want) {
		t.Fatalf("%d CPUs, want %d", len(cpus), len(want))
	}
	for i, w := range want {
		if cpus[i].Unusable != w || cpus[i].HWID != uint64(i) {
			t.Errorf("cpu %d: %+v, want hwid %d unusable %q", i, cpus[i], i, w)
		}
	}

	cpus, _, err = cpusFromTree(tree(t, "testdata/virt-gicv3-smp4-phantom.dtb"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []boot.CPU{{HWID: 0, Boot: true}, {HWID: 1}, {HWID: 2}, {HWID: 3}, {HWID: 0x10}}; !reflect.DeepEqual(cpus, want) {
		t.Errorf("phantom tree: cpus %+v, want %+v", cpus, want)
	}
}

func TestParkOffOption(t *testing.T) {
	for _, c := range []struct {
		cmdline string
		d       time.Duration
		set     bool
		bad     bool
	}{
		{"", 0, false, false},
		{"boot.degraded", 0, false, false},
		{"arm64.parkoff=50ms boot.skip=2", 50 * time.Millisecond, true, false},
		{"arm64.parkoff=0s", 0, true, false},
		{"arm64.parkoff=never", -1, true, false},
		{"arm64.parkoff=1ms arm64.parkoff=2ms", 2 * time.Millisecond, true, false},
		{"arm64.parkoff=-1ms", 0, true, true},
		{"arm64.parkoff=soon", 0, true, true},
		{"xarm64.parkoff=1ms", 0, false, false},
	} {
		v, ok := cmdlineOption(c.cmdline, ParkOffOption)
		if ok != c.set {
			t.Errorf("%q: option found %v, want %v", c.cmdline, ok, c.set)
			continue
		}
		if !ok {
			continue
		}
		d, err := parseParkOff(v)
		switch {
		case c.bad && (err == nil || !strings.Contains(err.Error(), strconv.Quote(v))):
			t.Errorf("%q: error %v, want one naming %q", c.cmdline, err, v)
		case !c.bad && (err != nil || d != c.d):
			t.Errorf("%q: %v, %v; want %v", c.cmdline, d, err, c.d)
		}
	}
}

func TestGICv3FromTree(t *testing.T) {
	d, r, size, ok := gicv3FromTree(tree(t, "../../internal/fdt/testdata/arm64-gicv3-smp20.dtb"))
	if !ok || d != 0x08000000 || r != 0x080a0000 || size != 0xf60000 {
		t.Errorf("GICv3 of virt,gic-version=3: %#x %#x %#x %v, want 0x8000000 0x80a0000 0xf60000 true", d, r, size, ok)
	}

	if _, _, _, ok := gicv3FromTree(tree(t, "../../internal/fdt/testdata/arm64-smp4.dtb")); ok {
		t.Errorf("virt with its GICv2: a GICv3 found")
	}
}
