// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "textflag.h"

// func fwcfgRead(sel uint16, buf []byte)
TEXT ·fwcfgRead(SB),NOSPLIT,$0-32
	MOVW	sel+0(FP), AX
	MOVW	$0x510, DX
	OUTW
	MOVQ	buf_base+8(FP), DI
	MOVQ	buf_len+16(FP), CX
	MOVW	$0x511, DX
	CLD
	REP; INSB
	RET
