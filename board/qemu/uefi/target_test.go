// QEMU q35 PC under UEFI firmware (OVMF) for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package uefi

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestPE converts the test binary, an x86_64 ELF on amd64 hosts, and reads
// the image back: every PT_LOAD segment is a section at its address minus
// the base, with its bytes, and the entry is the ELF's.
func TestPE(t *testing.T) {
	exe, err := os.Executable()
	if err != nil || runtime.GOARCH != "amd64" || runtime.GOOS != "linux" {
		t.Skipf("needs a linux/amd64 host (the test binary is the ELF): %v", err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var loads []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Memsz != 0 {
			loads = append(loads, p)
		}
	}
	base := loads[0].Vaddr&^0xfff - 0x1000

	b, err := PE(exe, base)
	if err != nil {
		t.Fatal(err)
	}
	img, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the image does not parse as PE: %v", err)
	}
	opt, ok := img.OptionalHeader.(*pe.OptionalHeader64)
	if !ok || opt.ImageBase != base || opt.Subsystem != pe.IMAGE_SUBSYSTEM_EFI_APPLICATION || uint64(opt.AddressOfEntryPoint)+base != f.Entry {
		t.Fatalf("optional header %+v: want PE32+, base %#x, EFI application, entry %#x", img.OptionalHeader, base, f.Entry)
	}
	if img.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || len(img.Sections) != len(loads) {
		t.Fatalf("machine %#x, %d sections: want AMD64, %d (one per PT_LOAD)", img.Machine, len(img.Sections), len(loads))
	}

	for i, p := range loads {
		s := img.Sections[i]
		off := p.Vaddr - base - uint64(s.VirtualAddress)
		data, err := s.Data()
		want := make([]byte, p.Filesz)
		p.ReadAt(want, 0)
		if err != nil || off >= 0x1000 || uint64(s.VirtualSize) != off+p.Memsz || !bytes.Equal(data[off:off+p.Filesz], want) {
			t.Errorf("section %s at %#x size %#x: want segment %#x size %#x and its bytes (%v)", s.Name, s.VirtualAddress, s.VirtualSize, p.Vaddr, p.Memsz, err)
		}
	}
	if end := loads[len(loads)-1].Vaddr + loads[len(loads)-1].Memsz; uint64(opt.SizeOfImage)+base < end {
		t.Errorf("SizeOfImage %#x ends below the last segment's end %#x", opt.SizeOfImage, end)
	}

	// the headers need room below the first segment
	if _, err := PE(exe, loads[0].Vaddr&^0xfff); err == nil || !strings.Contains(err.Error(), "PE headers") {
		t.Errorf("base at the first segment: error %v, want one naming the PE headers", err)
	}
	if _, err := PE("target_test.go", base); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("a Go file: error %v, want not an ELF", err)
	}
}

func TestTarget(t *testing.T) {
	args := strings.Join(Targets[0].Args, " ")
	for _, want := range []string{"file=" + OVMF, "fat:rw:{dir}/" + strings.Split(BootPath, "/")[0], "isa-debug-exit,iobase=0xf4", "-no-reboot"} {
		if !strings.Contains(args, want) {
			t.Errorf("Args %q lack %q", args, want)
		}
	}
	// the kernel reads the file the harness writes
	if src, err := os.ReadFile("../../../arch/amd64/fwcfg.go"); err != nil || !strings.Contains(string(src), strconv.Quote(CmdlineFile)) {
		t.Errorf("arch/amd64/fwcfg.go does not name the fw_cfg file %q (%v)", CmdlineFile, err)
	}
	if !strings.HasSuffix(BootPath, "/EFI/BOOT/BOOTX64.EFI") {
		t.Errorf("BootPath %q: want the removable-media path EFI/BOOT/BOOTX64.EFI", BootPath)
	}
}
