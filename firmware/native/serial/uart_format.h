/*
 * airboot native UART: the hardware-independent part (format validation and register values).
 *
 * Everything here is plain C99 with no SDK headers so it compiles with the host gcc in the unit harness
 * (test/uart_format_test.c). Register layouts are taken from the chips' datasheets:
 *  - ESP8266 Technical Reference, "UART" chapter and its register list: UART_CONF0 (offset 0x20), UART_CONF1
 *    (0x24), UART_CLKDIV (0x14, 20-bit divisor of the 80 MHz APB clock).
 *  - ESP32 Technical Reference Manual, "UART Controller" chapter: "Baud Rate Generation" (UART_CLKDIV_REG,
 *    integer part bits 19:0 plus a 4-bit fraction in sixteenths, bits 23:20) and "UART Data Frame"
 *    (UART_CONF0_REG: same low six bits as the ESP8266).
 */
#ifndef AIRBOOT_UART_FORMAT_H
#define AIRBOOT_UART_FORMAT_H

#include <stdint.h>

typedef enum { AB_PARITY_NONE = 0, AB_PARITY_EVEN = 1, AB_PARITY_ODD = 2 } ab_parity;

/** Character format and speed. data_bits 5..8; stop_bits_x2 is the stop length in half bits (2 = 1, 3 = 1.5, 4 = 2). */
typedef struct {
	uint32_t baud;
	uint8_t data_bits;
	ab_parity parity;
	uint8_t stop_bits_x2;
} ab_uart_format;

typedef enum {
	AB_FORMAT_OK = 0,
	AB_FORMAT_BAD_BAUD,      /* outside AB_BAUD_MIN..AB_BAUD_MAX or not reachable within AB_BAUD_TOLERANCE_PPM */
	AB_FORMAT_BAD_DATA_BITS, /* airboot offers 7 or 8 (the STM32 bootloader and RFC 2217 clients use these) */
	AB_FORMAT_BAD_PARITY,
	AB_FORMAT_BAD_STOP_BITS  /* 1 or 2; 1.5 exists in CONF0 but is not offered (see uart_format.c) */
} ab_format_error;

/** Which divisor the clock generator has: the ESP8266's integer one or the ESP32's integer + sixteenths. */
typedef enum { AB_CHIP_ESP8266 = 0, AB_CHIP_ESP32 = 1 } ab_chip;

/** Both chips clock the UART from the 80 MHz APB clock (ESP8266 TRM "UART"; ESP32 TRM "UART Controller"). */
#define AB_UART_CLOCK_HZ 80000000u
#define AB_BAUD_MIN 300u
/** 16 clock periods per bit at 80 MHz is 5 Mbit/s; the datasheets promise up to 4.5 (ESP8266) and 5 (ESP32). */
#define AB_BAUD_MAX 4500000u
/** A UART receiver tolerates about ±2 % total mismatch; allow each side half of it. */
#define AB_BAUD_TOLERANCE_PPM 10000u

/* ESP8266 UART_CONF0 fields (TRM register list): bit 0 parity (0 even, 1 odd), bit 1 parity enable,
 * bits 3:2 data bits minus 5, bits 5:4 stop length (1 = 1 bit, 2 = 1.5, 3 = 2), bit 8 send break,
 * bit 17 RX FIFO reset, bit 18 TX FIFO reset. The ESP32's UART_CONF0_REG has the same bits 5:0 and 8. */
#define AB_CONF0_PARITY_ODD (1u << 0)
#define AB_CONF0_PARITY_EN (1u << 1)
#define AB_CONF0_BIT_NUM_SHIFT 2
#define AB_CONF0_STOP_SHIFT 4
#define AB_CONF0_FORMAT_MASK 0x3Fu
#define AB_CONF0_TXD_BRK (1u << 8)
#define AB_CONF0_RXFIFO_RST (1u << 17)
#define AB_CONF0_TXFIFO_RST (1u << 18)

/* ESP8266 UART_CONF1 fields: bits 6:0 RX-FIFO-full threshold, bits 14:8 TX-FIFO-empty threshold,
 * bits 30:24 RX timeout threshold (unit: one character time), bit 31 RX timeout enable. */
#define AB_CONF1_RXFULL_SHIFT 0
#define AB_CONF1_TXEMPTY_SHIFT 8
#define AB_CONF1_TOUT_SHIFT 24
#define AB_CONF1_TOUT_EN (1u << 31)

/** The ESP8266's hardware FIFOs hold 128 bytes each (TRM "UART"); the ESP32's also 128 per UART by default. */
#define AB_HW_FIFO_BYTES 128u

/** Check a format for a chip; AB_FORMAT_OK when the UART can do it. */
ab_format_error ab_format_check(const ab_uart_format *format, ab_chip chip);

/** "none" / "even" / "odd" to ab_parity; returns 0 on success, -1 for anything else. */
int ab_parity_parse(const char *name, ab_parity *parity);

/** The stop length field for a stop_bits count given as 1 or 2 (JS numbers); 0 when invalid. */
uint8_t ab_stop_bits_x2(int stop_bits);

/** UART_CONF0 bits 5:0 for the format (valid formats only). */
uint32_t ab_conf0_format_bits(const ab_uart_format *format);

/** UART_CLKDIV value: ESP8266 integer divisor (bits 19:0); ESP32 integer (19:0) | sixteenths << 20. */
uint32_t ab_clkdiv(uint32_t baud, ab_chip chip);

/** The bit rate a UART_CLKDIV value really gives, in bits per second (rounded down). */
uint32_t ab_clkdiv_baud(uint32_t clkdiv, ab_chip chip);

/** UART_CONF1 for the ESP8266 with the given RX-full and TX-empty thresholds (bytes) and RX timeout (byte-times). */
uint32_t ab_esp8266_conf1(uint32_t rx_full, uint32_t tx_empty, uint32_t rx_timeout);

/** Bits on the wire per character: start + data + parity + stop, in half bits (e.g. 8E1 = 22). */
uint32_t ab_half_bits_per_char(const ab_uart_format *format);

/**
 * Smallest power-of-two software RX buffer that holds `latency_ms` of back-to-back characters at this format,
 * at least `minimum` bytes and at most AB_RX_BUFFER_MAX.
 */
uint32_t ab_rx_buffer_bytes(const ab_uart_format *format, uint32_t latency_ms, uint32_t minimum);
#define AB_RX_BUFFER_MAX 16384u

/** Round a requested buffer size up to a power of two in [AB_RING_MIN, AB_RX_BUFFER_MAX]. */
uint32_t ab_ring_capacity(uint32_t requested);
#define AB_RING_MIN 256u

#endif
