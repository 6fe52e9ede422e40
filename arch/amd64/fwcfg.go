// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"bytes"
	"encoding/binary"
)

// CmdlineFile is the QEMU fw_cfg file the kernel command line is read from
// when the boot loader passes none (UEFI removable-media boot has no load
// options): QEMU -fw_cfg name=opt/tamago-smp/cmdline,string=...
const CmdlineFile = "opt/tamago-smp/cmdline"

// QEMU fw_cfg over I/O ports (QEMU docs/specs/fw_cfg.rst): a 16-bit
// selector, then the item's bytes one read at a time.
const (
	fwcfgSelector  = 0x510
	fwcfgData      = 0x511
	fwcfgSignature = 0x0000 // "QEMU"
	fwcfgFileDir   = 0x0019 // count, then FWCfgFile entries (big endian)
	fwcfgNameLen   = 56
)

func fwcfgRead(b []byte) {
	for i := range b {
		b[i] = inb(fwcfgData)
	}
}

// fwcfgFile returns the contents of the fw_cfg file name, up to max bytes,
// and false when the machine has no fw_cfg or no such file.
func fwcfgFile(name string, max int) ([]byte, bool) {
	var b [64]byte

	outw(fwcfgSelector, fwcfgSignature)
	if fwcfgRead(b[:4]); string(b[:4]) != "QEMU" {
		return nil, false
	}

	outw(fwcfgSelector, fwcfgFileDir)
	fwcfgRead(b[:4])

	for n := binary.BigEndian.Uint32(b[:4]); n > 0; n-- {
		fwcfgRead(b[:])
		size := binary.BigEndian.Uint32(b[0:])
		sel := binary.BigEndian.Uint16(b[4:])
		file, _, _ := bytes.Cut(b[8:8+fwcfgNameLen], []byte{0})

		if string(file) != name {
			continue
		}

		data := make([]byte, min(int(size), max))
		outw(fwcfgSelector, sel)
		fwcfgRead(data)

		return data, true
	}

	return nil, false
}
