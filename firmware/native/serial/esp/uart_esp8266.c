/*
 * airboot native UART on the ESP8266: UART0 driven through its registers, with software RX/TX rings filled and
 * drained by the UART interrupt. Register offsets and bits are those of the ESP8266 Technical Reference ("UART"
 * chapter and the UART register list); field values come from uart_format.c.
 *
 * Why a software RX ring: the hardware RX FIFO holds 128 bytes, 1.5 ms at 921600 8E1 (83 782 characters/s) and
 * 11 ms at 115200. The XS thread can be away far longer (garbage collection, a flash sector erase, WiFi
 * events), so the interrupt moves bytes into a ring sized by the board profile (default 2048 bytes = 24 ms at
 * 921600 8E1, 195 ms at 115200 8E1) and JavaScript empties it when it gets to run.
 *
 * UART0 only: UART1's RX pin is taken by the SPI flash. In a debug build xsbug also uses UART0: build the
 * bridge as a release build.
 */
#include "xsmc.h"
#include "xsHost.h"

#include <stdlib.h>

#include "ets_sys.h"
#include "user_interface.h"

#include "../ring.h"
#include "../uart_hw.h"

/* UART0 register block at 0x60000000 (UART1 at 0x60000F00). */
#define UART0_BASE 0x60000000u
#define REG(offset) (*(volatile uint32_t *)(UART0_BASE + (offset)))
#define UART_FIFO 0x00u
#define UART_INT_ST 0x08u
#define UART_INT_ENA 0x0Cu
#define UART_INT_CLR 0x10u
#define UART_CLKDIV 0x14u
#define UART_STATUS 0x1Cu
#define UART_CONF0 0x20u
#define UART_CONF1 0x24u

/* Interrupt bits (INT_RAW/ST/ENA/CLR share them). */
#define INT_RXFIFO_FULL (1u << 0)
#define INT_TXFIFO_EMPTY (1u << 1)
#define INT_RXFIFO_OVF (1u << 4)
#define INT_RXFIFO_TOUT (1u << 8)
#define INT_RX (INT_RXFIFO_FULL | INT_RXFIFO_OVF | INT_RXFIFO_TOUT)

/* UART_STATUS: bits 7:0 bytes in the RX FIFO, bits 23:16 bytes in the TX FIFO. */
#define RXFIFO_COUNT() (REG(UART_STATUS) & 0xFFu)
#define TXFIFO_COUNT() ((REG(UART_STATUS) >> 16) & 0xFFu)

/* Interrupt when 64 bytes wait: 64 more fit before the FIFO overflows, 760 µs of interrupt latency at 921600
 * 8E1. Refill TX below 32 bytes (380 µs of output left at 921600). RX timeout after 2 idle character times so
 * a short reply (the bootloader's single ACK) is not left sitting in the FIFO. */
#define RX_FULL_THRESHOLD 64u
#define TX_EMPTY_THRESHOLD 32u
#define RX_TIMEOUT_CHARS 2u

struct ab_hw {
	ab_ring rx;
	ab_ring tx;
	ab_hw_wake wake;
	void *context;
	uint8_t *storage;
	volatile uint32_t fifo_overflows;
};

static ab_hw *active; /* one UART0: the handler's argument and the guard against a second open */

ab_chip ab_hw_chip(void)
{
	return AB_CHIP_ESP8266;
}

static void AB_ISR_ATTR uart_isr(void *argument)
{
	ab_hw *hw = argument;
	uint32_t status = REG(UART_INT_ST);
	uint32_t events = 0;

	if (status & INT_RX) {
		uint32_t waiting = RXFIFO_COUNT();
		while (waiting-- > 0)
			ab_ring_put(&hw->rx, (uint8_t)(REG(UART_FIFO) & 0xFFu));
		if (status & INT_RXFIFO_OVF)
			hw->fifo_overflows++;
		events |= AB_EVENT_READABLE;
	}
	if (status & INT_TXFIFO_EMPTY) {
		uint32_t quarter = ab_ring_capacity_of(&hw->tx) / 4;
		uint32_t before = ab_ring_count(&hw->tx);
		while (ab_ring_count(&hw->tx) > 0 && TXFIFO_COUNT() < AB_HW_FIFO_BYTES - 1)
			REG(UART_FIFO) = (uint32_t)ab_ring_get(&hw->tx);
		if (ab_ring_count(&hw->tx) == 0)
			REG(UART_INT_ENA) &= ~INT_TXFIFO_EMPTY; /* nothing left to send: stop asking */
		/* Report space once per drain below a quarter, not on every refill. */
		if (before > quarter && ab_ring_count(&hw->tx) <= quarter)
			events |= AB_EVENT_WRITABLE;
	}
	REG(UART_INT_CLR) = status;
	if (events)
		hw->wake(hw->context, events);
}

static void apply(const ab_uart_format *format)
{
	uint32_t conf0;
	ETS_UART_INTR_DISABLE();
	REG(UART_CLKDIV) = ab_clkdiv(format->baud, AB_CHIP_ESP8266) & 0xFFFFFu;
	conf0 = (REG(UART_CONF0) & ~(AB_CONF0_FORMAT_MASK | AB_CONF0_TXD_BRK)) | ab_conf0_format_bits(format);
	/* Reset both FIFOs: bytes in them were framed the old way. */
	REG(UART_CONF0) = conf0 | AB_CONF0_RXFIFO_RST | AB_CONF0_TXFIFO_RST;
	REG(UART_CONF0) = conf0;
	REG(UART_CONF1) = ab_esp8266_conf1(RX_FULL_THRESHOLD, TX_EMPTY_THRESHOLD, RX_TIMEOUT_CHARS);
	REG(UART_INT_CLR) = 0x1FFu;
	REG(UART_INT_ENA) = INT_RX | (active && ab_ring_count(&active->tx) ? INT_TXFIFO_EMPTY : 0);
	ETS_UART_INTR_ENABLE();
}

ab_hw *ab_hw_open(const ab_hw_options *options, const ab_uart_format *format, ab_hw_wake wake, void *context,
	const char **error)
{
	ab_hw *hw;
	if (options->port != 0) {
		*error = "ESP8266: only UART0 receives (UART1's RX pin is the SPI flash)";
		return NULL;
	}
	if (active != NULL) {
		*error = "UART0 in use";
		return NULL;
	}
	hw = calloc(1, sizeof(ab_hw));
	if (hw != NULL)
		hw->storage = malloc(options->rx_bytes + options->tx_bytes);
	if (hw == NULL || hw->storage == NULL) {
		free(hw);
		*error = "no memory for the UART buffers";
		return NULL;
	}
	ab_ring_init(&hw->rx, hw->storage, options->rx_bytes);
	ab_ring_init(&hw->tx, hw->storage + options->rx_bytes, options->tx_bytes);
	hw->wake = wake;
	hw->context = context;

	/* SDK: swapped UART0 uses GPIO13 as RX and GPIO15 as TX (the pins' U0CTS/U0RTS functions), away from
	 * GPIO1/3 where the boot ROM prints its banner at 74880 bit/s. */
	if (options->swap)
		system_uart_swap();
	else
		system_uart_de_swap();

	ETS_UART_INTR_DISABLE();
	REG(UART_INT_ENA) = 0;
	active = hw;
	ETS_UART_INTR_ATTACH(uart_isr, hw);
	apply(format);
	return hw;
}

const char *ab_hw_configure(ab_hw *hw, const ab_uart_format *format)
{
	apply(format);
	ab_ring_clear(&hw->rx);
	return NULL;
}

uint32_t ab_hw_readable(ab_hw *hw)
{
	return ab_ring_count(&hw->rx);
}

uint32_t ab_hw_read(ab_hw *hw, uint8_t *out, uint32_t max)
{
	return ab_ring_read(&hw->rx, out, max);
}

uint32_t ab_hw_writable(ab_hw *hw)
{
	return ab_ring_space(&hw->tx);
}

uint32_t ab_hw_write(ab_hw *hw, const uint8_t *bytes, uint32_t length)
{
	uint32_t queued;
	/* The interrupt handler is the ring's consumer; keep it out while head moves and TX is re-armed. */
	ETS_UART_INTR_DISABLE();
	queued = ab_ring_write(&hw->tx, bytes, length);
	if (queued > 0)
		REG(UART_INT_ENA) |= INT_TXFIFO_EMPTY;
	ETS_UART_INTR_ENABLE();
	return queued;
}

uint32_t ab_hw_overruns(ab_hw *hw)
{
	return hw->rx.dropped + hw->fifo_overflows;
}

void ab_hw_close(ab_hw *hw)
{
	ETS_UART_INTR_DISABLE();
	REG(UART_INT_ENA) = 0;
	REG(UART_INT_CLR) = 0x1FFu;
	ETS_UART_INTR_ATTACH(NULL, NULL);
	active = NULL;
	free(hw->storage);
	free(hw);
}

static ab_hw_deliver pending_deliver;

static void run_posted(void *the, void *refcon, uint8_t *message, uint16_t length)
{
	(void)the;
	(void)message;
	(void)length;
	pending_deliver(refcon);
}

void AB_ISR_ATTR ab_hw_post(void *machine, ab_hw_deliver deliver, void *context)
{
	/* Moddable's ESP8266 host: the pool variant takes no message bytes and may be called from an interrupt. */
	pending_deliver = deliver;
	modMessagePostToMachineFromPool((xsMachine *)machine, run_posted, context);
}

void AB_ISR_ATTR ab_hw_lock(void)
{
	ETS_UART_INTR_DISABLE();
}

void AB_ISR_ATTR ab_hw_unlock(void)
{
	ETS_UART_INTR_ENABLE();
}
