#include "uart_format.h"

#include <string.h>

int ab_parity_parse(const char *name, ab_parity *parity)
{
	if (name == 0)
		return -1;
	if (strcmp(name, "none") == 0)
		*parity = AB_PARITY_NONE;
	else if (strcmp(name, "even") == 0)
		*parity = AB_PARITY_EVEN;
	else if (strcmp(name, "odd") == 0)
		*parity = AB_PARITY_ODD;
	else
		return -1; /* mark/space: neither chip's CONF0 has a stick-parity bit */
	return 0;
}

uint8_t ab_stop_bits_x2(int stop_bits)
{
	/* 1.5 stop bits exist in CONF0 but JavaScript hands over 1 or 2 here; the binding passes 3 for 1.5. */
	if (stop_bits == 1)
		return 2;
	if (stop_bits == 2)
		return 4;
	return 0;
}

uint32_t ab_clkdiv(uint32_t baud, ab_chip chip)
{
	uint64_t clock = AB_UART_CLOCK_HZ;
	if (baud == 0)
		return 0;
	if (chip == AB_CHIP_ESP32) {
		/* ESP32 TRM "Baud Rate Generation": divisor = UART_CLKDIV + UART_CLKDIV_FRAG / 16. Work in sixteenths,
		 * rounded to nearest. */
		uint32_t sixteenths = (uint32_t)((clock * 16u + baud / 2u) / baud);
		return (sixteenths >> 4) | ((sixteenths & 0xFu) << 20);
	}
	/* ESP8266 TRM "UART": baud = 80 MHz / UART_CLKDIV, an integer; rounded to nearest. */
	return (uint32_t)((clock + baud / 2u) / baud);
}

uint32_t ab_clkdiv_baud(uint32_t clkdiv, ab_chip chip)
{
	uint64_t clock = AB_UART_CLOCK_HZ;
	if (chip == AB_CHIP_ESP32) {
		uint32_t sixteenths = ((clkdiv & 0xFFFFFu) << 4) | ((clkdiv >> 20) & 0xFu);
		return sixteenths == 0 ? 0 : (uint32_t)(clock * 16u / sixteenths);
	}
	clkdiv &= 0xFFFFFu;
	return clkdiv == 0 ? 0 : (uint32_t)(clock / clkdiv);
}

static int baud_reachable(uint32_t baud, ab_chip chip)
{
	uint32_t clkdiv, actual, difference;
	if (baud < AB_BAUD_MIN || baud > AB_BAUD_MAX)
		return 0;
	clkdiv = ab_clkdiv(baud, chip);
	/* The integer part is a 20-bit field on both chips; AB_BAUD_MIN keeps it below 2^20 (80 MHz / 300 = 266 667),
	 * and it must not be 0. On the ESP8266 nothing may spill above bit 19. */
	if ((clkdiv & 0xFFFFFu) == 0 || (chip == AB_CHIP_ESP8266 && clkdiv > 0xFFFFFu))
		return 0;
	actual = ab_clkdiv_baud(clkdiv, chip);
	difference = actual > baud ? actual - baud : baud - actual;
	return (uint64_t)difference * 1000000u <= (uint64_t)baud * AB_BAUD_TOLERANCE_PPM;
}

ab_format_error ab_format_check(const ab_uart_format *format, ab_chip chip)
{
	if (!baud_reachable(format->baud, chip))
		return AB_FORMAT_BAD_BAUD;
	if (format->data_bits < 5 || format->data_bits > 8)
		return AB_FORMAT_BAD_DATA_BITS;
	if (format->parity != AB_PARITY_NONE && format->parity != AB_PARITY_EVEN && format->parity != AB_PARITY_ODD)
		return AB_FORMAT_BAD_PARITY;
	if (format->stop_bits_x2 < 2 || format->stop_bits_x2 > 4)
		return AB_FORMAT_BAD_STOP_BITS;
	return AB_FORMAT_OK;
}

uint32_t ab_conf0_format_bits(const ab_uart_format *format)
{
	uint32_t bits = 0;
	if (format->parity != AB_PARITY_NONE) {
		bits |= AB_CONF0_PARITY_EN;
		if (format->parity == AB_PARITY_ODD)
			bits |= AB_CONF0_PARITY_ODD; /* 0 selects even */
	}
	bits |= (uint32_t)(format->data_bits - 5u) << AB_CONF0_BIT_NUM_SHIFT;
	/* stop field: 1 = one bit, 2 = one and a half, 3 = two; stop_bits_x2 is 2, 3 or 4. */
	bits |= (uint32_t)(format->stop_bits_x2 - 1u) << AB_CONF0_STOP_SHIFT;
	return bits;
}

uint32_t ab_esp8266_conf1(uint32_t rx_full, uint32_t tx_empty, uint32_t rx_timeout)
{
	uint32_t value = ((rx_full & 0x7Fu) << AB_CONF1_RXFULL_SHIFT) | ((tx_empty & 0x7Fu) << AB_CONF1_TXEMPTY_SHIFT);
	if (rx_timeout != 0)
		value |= ((rx_timeout & 0x7Fu) << AB_CONF1_TOUT_SHIFT) | AB_CONF1_TOUT_EN;
	return value;
}

uint32_t ab_half_bits_per_char(const ab_uart_format *format)
{
	return 2u * (1u + format->data_bits + (format->parity == AB_PARITY_NONE ? 0u : 1u)) + format->stop_bits_x2;
}

uint32_t ab_ring_capacity(uint32_t requested)
{
	uint32_t capacity = AB_RING_MIN;
	while (capacity < requested && capacity < AB_RX_BUFFER_MAX)
		capacity <<= 1;
	return capacity;
}

uint32_t ab_rx_buffer_bytes(const ab_uart_format *format, uint32_t latency_ms, uint32_t minimum)
{
	/* characters per second = baud / bits per character = 2 * baud / half bits; round the byte count up. */
	uint64_t half_bits = ab_half_bits_per_char(format);
	uint64_t per_window = ((uint64_t)format->baud * 2u * latency_ms + half_bits * 1000u - 1u) / (half_bits * 1000u);
	uint32_t needed = per_window > AB_RX_BUFFER_MAX ? AB_RX_BUFFER_MAX : (uint32_t)per_window;
	return ab_ring_capacity(needed > minimum ? needed : minimum);
}
