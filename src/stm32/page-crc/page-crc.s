@ airboot's page-CRC routine: loaded into the STM32's RAM with Write Memory and started with Go (AN3155 §3.6,
@ §3.5), it computes the CRC of each flash range the host lists and sends the CRCs on the USART, so that
@ skip-unchanged does not have to read the whole flash back on a bootloader without Get Checksum (protocol < 3.3).
@
@ ARMv6-M Thumb (16-bit instructions and BL only), so the same bytes run on Cortex-M0/M0+/M3/M4/M7. Position-
@ independent: the host writes the two vector words (AN3155 §3.5: Go loads SP from the address, then jumps to the
@ word after it) and the parameter block, nothing else is patched.
@
@ Image layout (offsets from the load address, little-endian words):
@   0x00  initial SP                 written by the host: load address + image + stack
@   0x04  entry address | 1          written by the host: load address + (entry - image start) + 1 (Thumb)
@   entry code, then at PARAMS (4-aligned):
@   +0    init step count (<= 8)
@   +4    8 init steps of 3 words: register address, bits to clear, bits to set (*a = (*a & ~clear) | set).
@         Go returns the bootloader's peripherals to their reset values (AN3155 §3.5), so the USART, its pin and
@         their clocks are set up again here, from data the host chose for the chip's family.
@   +100  USART status register address
@   +104  TXE mask (transmit data register empty)
@   +108  TC mask (transmission complete)
@   +112  USART data register address
@   +116  range count (<= 128)
@   +120  ranges of 2 words: start address (word-aligned), length in 32-bit words
@
@ Answer on the USART: 0xA5 0x5A, the range count (1 byte), each range's CRC (4 bytes, little-endian), then one
@ byte: the XOR of the count byte and every CRC byte. After the last byte has left (TC), the routine asks for a
@ system reset through SCB AIRCR (ARMv6-M ARM B3.2.6: VECTKEY 0x05FA, SYSRESETREQ bit 2); with BOOT0 still high the
@ chip starts its bootloader again and the host syncs anew.
@
@ CRC: the STM32 CRC unit's (src/image/crc32.ts): polynomial 0x04C11DB7, initial 0xFFFFFFFF, each 32-bit word
@ shifted in most significant bit first, no final XOR. Bit by bit: about 7 cycles a bit, 230 a word, so 64 KiB
@ take about 3.8 million cycles, 0.47 s at 8 MHz.

        .syntax unified
        .cpu cortex-m0
        .thumb
        .text

image:
        .word   0                       @ initial SP (host)
        .word   0                       @ entry | 1 (host)

entry:
        cpsid   i                       @ no interrupt may run: the vector table is still the bootloader's
        adr     r7, params              @ r7: the parameter block, all through

        @ Init steps: *address = (*address & ~clear) | set.
        ldr     r6, [r7, #0]
        movs    r5, r7
        adds    r5, #4
init_loop:
        cmp     r6, #0
        beq     init_done
        ldr     r0, [r5, #0]
        ldr     r1, [r5, #4]
        ldr     r2, [r5, #8]
        ldr     r3, [r0]
        bics    r3, r1
        orrs    r3, r2
        str     r3, [r0]
        adds    r5, #12
        subs    r6, #1
        b       init_loop
init_done:

        movs    r0, #0xA5
        bl      send
        movs    r0, #0x5A
        bl      send
        ldr     r6, [r7, #116]          @ range count
        movs    r0, r6
        bl      send
        mov     r8, r6                  @ r8: XOR of the answer bytes after the magic
        mov     r9, r6                  @ r9: ranges left
        movs    r5, r7
        adds    r5, #120
        mov     r10, r5                 @ r10: the next range

range_loop:
        mov     r6, r9
        cmp     r6, #0
        beq     ranges_done
        mov     r5, r10
        ldr     r0, [r5, #0]            @ r0: address
        ldr     r1, [r5, #4]            @ r1: words left
        movs    r2, #0
        mvns    r2, r2                  @ r2: CRC = 0xFFFFFFFF
        ldr     r3, =0x04C11DB7         @ r3: polynomial
word_loop:
        cmp     r1, #0
        beq     range_done
        ldr     r4, [r0]
        eors    r2, r4
        movs    r6, #32
bit_loop:
        lsls    r2, r2, #1              @ carry: the bit shifted out
        bcc     no_xor
        eors    r2, r3
no_xor:
        subs    r6, #1
        bne     bit_loop
        adds    r0, #4
        subs    r1, #1
        b       word_loop

range_done:
        mov     r4, r8
        movs    r6, #4
crc_bytes:
        uxtb    r0, r2                  @ least significant byte first
        eors    r4, r0
        bl      send
        lsrs    r2, r2, #8
        subs    r6, #1
        bne     crc_bytes
        mov     r8, r4
        mov     r5, r10
        adds    r5, #8
        mov     r10, r5
        mov     r6, r9
        subs    r6, #1
        mov     r9, r6
        b       range_loop

ranges_done:
        mov     r0, r8
        bl      send
        ldr     r1, [r7, #100]          @ wait for TC: the last byte has left the pin
        ldr     r2, [r7, #108]
wait_tc:
        ldr     r3, [r1]
        tst     r3, r2
        beq     wait_tc
        ldr     r0, =0xE000ED0C         @ SCB AIRCR
        ldr     r1, =0x05FA0004         @ VECTKEY | SYSRESETREQ
        str     r1, [r0]
halt:
        b       halt                    @ the reset takes effect

@ Send the byte in r0 once the data register is empty; r1-r7 are kept.
send:
        push    {r1, r2, r3, lr}
        ldr     r1, [r7, #100]
        ldr     r2, [r7, #104]
wait_txe:
        ldr     r3, [r1]
        tst     r3, r2
        beq     wait_txe
        ldr     r1, [r7, #112]
        str     r0, [r1]                @ DR takes the low 9 bits; with parity on, bit 8 is the parity (RM0008 27.6.2)
        pop     {r1, r2, r3, pc}

        .ltorg
        .balign 4
params:
