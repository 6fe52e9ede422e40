// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package amd64

import (
	"os"
	"slices"
	"testing"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/acpi"
)

// madt reads the MADT of a QEMU microvm memory dump of internal/acpi.
func madt(t *testing.T, name string) *acpi.Table {
	t.Helper()

	f, err := os.Open("../../internal/acpi/testdata/microvm-" + name + ".bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	m, err := acpi.ReadImage(f, 0)
	if err != nil {
		t.Fatal(err)
	}

	tab, err := acpi.Find(m, acpi.Options{})
	if err != nil {
		t.Fatal(err)
	}

	return tab
}

// TestFromTableGaps: QEMU's -smp 6,sockets=2,cores=3 has APIC IDs with a
// gap; the boot CPU is the one whose APIC ID is self, wherever it is.
func TestFromTableGaps(t *testing.T) {
	tab := madt(t, "smp6-s2c3")

	for _, self := range []uint64{0, 5} {
		cpus, err := fromTable(tab, self, false)
		if err != nil {
			t.Fatal(err)
		}

		var want []boot.CPU
		for _, id := range []uint64{0, 1, 2, 4, 5, 6} {
			want = append(want, boot.CPU{HWID: id, Boot: id == self})
		}

		if !slices.Equal(cpus, want) {
			t.Errorf("self %d: CPUs\n%+v\nwant\n%+v", self, cpus, want)
		}
	}
}

func TestFromTableUnusable(t *testing.T) {
	tab := &acpi.Table{Name: "MADT", Addr: 0x1000, CPUs: []acpi.CPU{
		{APICID: 0, Enabled: true},
		{APICID: 1, OnlineCapable: true},
		{APICID: 0xfe, Enabled: true},
		{APICID: 0xff, Enabled: true},
		{APICID: 0x100, X2APIC: true, Enabled: true},
	}}

	want := []string{
		"",
		"MADT: hot-pluggable (online capable), not enabled",
		"",
		"MADT: APIC ID 0xff: the xAPIC ICR addresses IDs up to 0xfe and the local APIC is not in x2APIC mode",
		"MADT: APIC ID 0x100: the xAPIC ICR addresses IDs up to 0xfe and the local APIC is not in x2APIC mode",
	}

	cpus, err := fromTable(tab, 0, false)
	if err != nil {
		t.Fatal(err)
	}

	if len(cpus) != len(want) {
		t.Fatalf("%d CPUs, want %d: %+v", len(cpus), len(want), cpus)
	}

	for i, c := range cpus {
		if c.Unusable != want[i] {
			t.Errorf("APIC ID %#x, xAPIC mode: unusable %q, want %q", c.HWID, c.Unusable, want[i])
		}
	}

	// in x2APIC mode every enabled CPU can be reached
	cpus, err = fromTable(tab, 0, true)
	if err != nil {
		t.Fatal(err)
	}

	if len(cpus) != len(want) {
		t.Fatalf("x2APIC mode: %d CPUs, want %d: %+v", len(cpus), len(want), cpus)
	}

	for _, c := range cpus[2:] {
		if c.Unusable != "" {
			t.Errorf("APIC ID %#x, x2APIC mode: unusable %q, want usable", c.HWID, c.Unusable)
		}
	}
}

func TestFromTableBootCPU(t *testing.T) {
	tab := madt(t, "smp4")

	for _, tc := range []struct {
		self uint64
		want string
	}{
		{9, "amd64: MADT at 0xeff28 lists the boot CPU's APIC ID 0x9 0 times, want once"},
	} {
		if _, err := fromTable(tab, tc.self, false); err == nil || err.Error() != tc.want {
			t.Errorf("self %#x: error %v, want %s", tc.self, err, tc.want)
		}
	}

	tab.CPUs[2].Enabled, tab.CPUs[2].OnlineCapable = false, true
	want := "amd64: MADT at 0xeff28 lists the boot CPU (APIC ID 0x2) as unusable: MADT: hot-pluggable (online capable), not enabled"

	if _, err := fromTable(tab, 2, false); err == nil || err.Error() != want {
		t.Errorf("boot CPU not enabled: error %v, want %s", err, want)
	}
}
