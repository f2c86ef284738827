/*
 * airboot native UART: a byte ring with one producer and one consumer (interrupt handler on one side, the XS
 * thread on the other). Capacity is a power of two so indices wrap with a mask; head and tail are free-running
 * 16-bit counters, so `head - tail` is the fill level even after they wrap (capacity <= 32768).
 * Plain C99, no SDK: the unit harness (test/ring_test.c) runs it on the host.
 */
#ifndef AIRBOOT_RING_H
#define AIRBOOT_RING_H

#include <stdint.h>

/* ESP8266 interrupt handlers, and everything they call, must sit in IRAM: flash is not readable while the SPI
 * flash is busy (erase/write). The ring is used by the UART interrupt handler. */
#if defined(__ets__) && !defined(ESP32)
#define AB_ISR_ATTR __attribute__((section(".iram.text")))
#else
#define AB_ISR_ATTR
#endif

typedef struct {
	uint8_t *data;
	uint16_t mask;           /* capacity - 1 */
	volatile uint16_t head;  /* written only by the producer */
	volatile uint16_t tail;  /* written only by the consumer */
	volatile uint32_t dropped; /* bytes the producer could not store (receive overrun), cumulative */
} ab_ring;

/** Use `storage` of `capacity` bytes (a power of two, 2..32768); returns 0, or -1 when capacity is not one. */
int ab_ring_init(ab_ring *ring, uint8_t *storage, uint32_t capacity);
uint32_t ab_ring_capacity_of(const ab_ring *ring);
uint32_t ab_ring_count(const ab_ring *ring);
uint32_t ab_ring_space(const ab_ring *ring);
/** Producer: store one byte; when full, count it in `dropped` and return 0 (the newest byte is lost). */
int ab_ring_put(ab_ring *ring, uint8_t byte);
/** Producer: store up to `length` bytes, all or as many as fit; returns how many were stored. */
uint32_t ab_ring_write(ab_ring *ring, const uint8_t *bytes, uint32_t length);
/** Consumer: take up to `max` bytes into `out`; returns how many. */
uint32_t ab_ring_read(ab_ring *ring, uint8_t *out, uint32_t max);
/** Consumer: take one byte; returns -1 when empty. */
int ab_ring_get(ab_ring *ring);
/** Consumer side: forget everything waiting (used when the format changes: old bytes were framed differently). */
void ab_ring_clear(ab_ring *ring);

#endif
