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
	"encoding/binary"
	"fmt"
)

const (
	peSectionAlign = 0x1000
	peFileAlign    = 0x200
	peDOSSize      = 0x40 // the DOS header; e_lfanew points past it
)

// PE returns the kernel ELF at path as a PE32+ EFI application (Microsoft
// PE/COFF specification; UEFI 2.10 §2.1.1) to be loaded at base: one
// section per PT_LOAD segment at its address minus base, the entry the
// ELF's, no relocations (the firmware must load it at base, the link
// address). Segments must lie above the headers, in the 4 GiB above base.
func PE(path string, base uint64) ([]byte, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not an ELF: %v", path, err)
	}
	defer f.Close()

	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s: machine %v, want EM_X86_64", path, f.Machine)
	}

	var progs []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Memsz != 0 {
			progs = append(progs, p)
		}
	}

	hdrSize := uint32(peDOSSize + 4 + binary.Size(pe.FileHeader{}) + binary.Size(pe.OptionalHeader64{}) + len(progs)*binary.Size(pe.SectionHeader32{}))
	hdrSize = align(hdrSize, peFileAlign)

	var sections []pe.SectionHeader32
	var raw [][]byte
	var end uint64
	fileOff := hdrSize

	for i, p := range progs {
		start := p.Vaddr &^ (peSectionAlign - 1)
		if start < base+uint64(align(hdrSize, peSectionAlign)) || p.Vaddr+p.Memsz-base > 1<<32 {
			return nil, fmt.Errorf("%s: segment at %#x-%#x: want it from %#x (%#x plus the PE headers) to %#x", path, p.Vaddr, p.Vaddr+p.Memsz, base+uint64(align(hdrSize, peSectionAlign)), base, base+1<<32)
		}
		if start < end {
			return nil, fmt.Errorf("%s: segment at %#x overlaps the previous one's pages (to %#x)", path, p.Vaddr, end)
		}
		end = p.Vaddr + p.Memsz

		data := make([]byte, p.Vaddr-start+p.Filesz)
		if _, err := p.ReadAt(data[p.Vaddr-start:], 0); err != nil {
			return nil, fmt.Errorf("%s: segment at %#x: %v", path, p.Vaddr, err)
		}
		size := align(uint32(len(data)), peFileAlign)
		data = append(data, make([]byte, int(size)-len(data))...)

		s := pe.SectionHeader32{
			VirtualSize:      uint32(end - start),
			VirtualAddress:   uint32(start - base),
			SizeOfRawData:    size,
			PointerToRawData: fileOff,
		}
		switch {
		case p.Flags&elf.PF_X != 0:
			copy(s.Name[:], ".text")
			s.Characteristics = pe.IMAGE_SCN_CNT_CODE | pe.IMAGE_SCN_MEM_EXECUTE | pe.IMAGE_SCN_MEM_READ
		case p.Flags&elf.PF_W != 0:
			copy(s.Name[:], ".data")
			s.Characteristics = pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ | pe.IMAGE_SCN_MEM_WRITE
		default:
			copy(s.Name[:], ".rodata")
			s.Characteristics = pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ
		}
		if i > 0 && s.Name == sections[i-1].Name {
			s.Name[len(".data")] = byte('0' + i)
		}
		fileOff += size
		sections = append(sections, s)
		raw = append(raw, data)
	}

	if len(progs) == 0 || f.Entry < progs[0].Vaddr || f.Entry >= end {
		return nil, fmt.Errorf("%s: entry %#x, segments up to %#x: want an entry inside them", path, f.Entry, end)
	}

	opt := pe.OptionalHeader64{
		Magic:               0x20b, // PE32+
		AddressOfEntryPoint: uint32(f.Entry - base),
		ImageBase:           base,
		SectionAlignment:    peSectionAlign,
		FileAlignment:       peFileAlign,
		SizeOfImage:         align(uint32(end-base), peSectionAlign),
		SizeOfHeaders:       hdrSize,
		Subsystem:           pe.IMAGE_SUBSYSTEM_EFI_APPLICATION,
		NumberOfRvaAndSizes: 16,
	}
	fh := pe.FileHeader{
		Machine:              pe.IMAGE_FILE_MACHINE_AMD64,
		NumberOfSections:     uint16(len(sections)),
		SizeOfOptionalHeader: uint16(binary.Size(opt)),
		Characteristics:      pe.IMAGE_FILE_RELOCS_STRIPPED | pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_LARGE_ADDRESS_AWARE,
	}

	var b bytes.Buffer
	dos := make([]byte, peDOSSize)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], peDOSSize) // e_lfanew
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	binary.Write(&b, binary.LittleEndian, fh)
	binary.Write(&b, binary.LittleEndian, opt)
	binary.Write(&b, binary.LittleEndian, sections)
	b.Write(make([]byte, int(hdrSize)-b.Len()))
	for _, data := range raw {
		b.Write(data)
	}

	return b.Bytes(), nil
}

func align(n, a uint32) uint32 {
	return (n + a - 1) &^ (a - 1)
}
