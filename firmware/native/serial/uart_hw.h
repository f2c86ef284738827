/*
 * airboot native UART: what each chip's file (esp/, esp32/, lin/) provides to the XS binding (airboot_serial.c).
 * The binding owns validation (uart_format.c) and JavaScript; a chip file owns registers, interrupts and buffers.
 */
#ifndef AIRBOOT_UART_HW_H
#define AIRBOOT_UART_HW_H

#include <stdint.h>
#include "ring.h"
#include "uart_format.h"

typedef struct ab_hw ab_hw;

/** Events a chip file reports to the binding; several may be or-ed together. */
#define AB_EVENT_READABLE 1u
#define AB_EVENT_WRITABLE 2u
#define AB_EVENT_ERROR 4u

/**
 * Called by the chip file, possibly from an interrupt handler or another task: something happened. It must
 * only record the events and ask the platform to run the binding's delivery on the XS thread (ab_hw_post).
 */
typedef void (*ab_hw_wake)(void *context, uint32_t events);

/** What the binding runs on the XS thread after a wake. */
typedef void (*ab_hw_deliver)(void *context);

typedef struct {
	int port;            /* UART number */
	int swap;            /* ESP8266: UART0 on GPIO13 (RX) / GPIO15 (TX) */
	int receive;         /* ESP32: RX pin, -1 for the port's default */
	int transmit;        /* ESP32: TX pin, -1 for the port's default */
	const char *device;  /* lin: path of the serial device or pty */
	uint32_t rx_bytes;   /* software RX buffer, a power of two (ab_ring_capacity) */
	uint32_t tx_bytes;   /* software TX buffer, a power of two */
} ab_hw_options;

/** The chip family this build is for: decides which divisor the validation uses. */
ab_chip ab_hw_chip(void);

/** Open and start the UART; NULL with *error set to a short reason when it cannot. */
ab_hw *ab_hw_open(const ab_hw_options *options, const ab_uart_format *format, ab_hw_wake wake, void *context,
	const char **error);
/** Change speed and format; bytes still in the FIFOs are discarded (they were framed the old way).
 * Returns NULL, or a short reason the UART refused. */
const char *ab_hw_configure(ab_hw *hw, const ab_uart_format *format);
uint32_t ab_hw_readable(ab_hw *hw);
uint32_t ab_hw_read(ab_hw *hw, uint8_t *out, uint32_t max);
uint32_t ab_hw_writable(ab_hw *hw);
/** Queue bytes; the caller checked they fit (ab_hw_writable). Returns how many were queued. */
uint32_t ab_hw_write(ab_hw *hw, const uint8_t *bytes, uint32_t length);
/** Bytes dropped because the RX buffer was full, since open. */
uint32_t ab_hw_overruns(ab_hw *hw);
void ab_hw_close(ab_hw *hw);

/** Run `deliver(context)` soon on the XS thread; safe from where the chip file calls wake. */
void ab_hw_post(void *machine, ab_hw_deliver deliver, void *context);

/** Keep the chip file's interrupt handler or task out while the binding swaps its event flags. */
void ab_hw_lock(void);
void ab_hw_unlock(void);


#endif
